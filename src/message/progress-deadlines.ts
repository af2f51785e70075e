/** A connection with a frame or message begun and not yet complete. */
export interface ProgressWatched {
  /**
   * Its deadline passed: returns how many ms more it gets (reading
   * was paused, so the time did not count), or 0 when it is dealt with.
   */
  onProgressTimeout(): number;
}

/**
 * Deadlines of every connection in the middle of a frame or message, kept
 * here rather than on the connections (an idle one carries nothing) and served
 * by one timer for the whole process, set for the earliest deadline. A
 * connection that completes what it began keeps its entry, at 0, until the
 * next sweep: large messages begin and complete thousands of times a second,
 * and adding and deleting the entry each time rebuilt the Map's table so
 * often that the old tables, promoted, made V8 run a full collection every
 * few hundred messages.
 */
const deadlines = new Map<ProgressWatched, number>();
let timer: NodeJS.Timeout | null = null;
let timerAt = Infinity;

/** Start the clock for `conn`: it has `ms` to complete what it began. */
export function watchProgress(conn: ProgressWatched, ms: number): void {
  const at = Date.now() + ms;
  deadlines.set(conn, at);
  if (at < timerAt) arm(at);
}

/** `conn` completed what it began. */
export function unwatchProgress(conn: ProgressWatched): void {
  if (deadlines.has(conn)) deadlines.set(conn, 0);
}

/** `conn` ended: nothing of it is kept. */
export function forgetProgress(conn: ProgressWatched): void {
  deadlines.delete(conn);
}

function arm(at: number): void {
  if (timer !== null) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(sweep, Math.max(1, at - Date.now()));
  timer.unref();
}

function sweep(): void {
  timer = null;
  timerAt = Infinity;
  const now = Date.now();
  let next = Infinity;
  for (const [conn, at] of deadlines) {
    if (at === 0) {
      deadlines.delete(conn);
      continue;
    }
    let due = at;
    if (at <= now) {
      const more = conn.onProgressTimeout();
      if (more <= 0) {
        deadlines.delete(conn);
        continue;
      }
      due = now + more;
      deadlines.set(conn, due);
    }
    if (due < next) next = due;
  }
  if (next !== Infinity) arm(next);
}
