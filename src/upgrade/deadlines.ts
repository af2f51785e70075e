/** Something with a time limit, linked into the queue of those with the same limit. */
export interface Timed {
  /** Epoch ms at which it times out. */
  deadline: number;
  prevTimed: Timed | null;
  nextTimed: Timed | null;
  /** Its deadline passed (it has already left its queue). */
  timedOut(): void;
}

/**
 * Handshakes that share a time limit, in the order they started, so in the
 * order they time out: one timer serves the queue, set for its oldest entry.
 * A handshake costs two links instead of a Timeout of its own (an object, an
 * async id and a call into libuv's clock to set it, an unlink to clear it).
 */
export class DeadlineQueue {
  head: Timed | null = null;
  tail: Timed | null = null;
  timer: NodeJS.Timeout | null = null;

  constructor(readonly ms: number) {}
}

const queues = new Map<number, DeadlineQueue>();

/** Start `t`'s clock: it times out `ms` from now unless `unwatch`ed first. Returns its queue, for `unwatch`. */
export function watch(t: Timed, ms: number): DeadlineQueue {
  let q = queues.get(ms);
  if (q === undefined) {
    q = new DeadlineQueue(ms);
    queues.set(ms, q);
  }
  t.deadline = Date.now() + ms;
  t.prevTimed = q.tail;
  t.nextTimed = null;
  if (q.tail === null) q.head = t;
  else q.tail.nextTimed = t;
  q.tail = t;
  if (q.timer === null) q.timer = setTimeout(sweep, ms, q);
  return q;
}

/** Stop `t`'s clock. The timer stays for the next entry unless the queue is empty (it would keep the process alive). */
export function unwatch(t: Timed, q: DeadlineQueue): void {
  unlink(t, q);
  if (q.head === null && q.timer !== null) {
    clearTimeout(q.timer);
    q.timer = null;
  }
}

function unlink(t: Timed, q: DeadlineQueue): void {
  if (t.prevTimed === null) q.head = t.nextTimed;
  else t.prevTimed.nextTimed = t.nextTimed;
  if (t.nextTimed === null) q.tail = t.prevTimed;
  else t.nextTimed.prevTimed = t.prevTimed;
  t.prevTimed = null;
  t.nextTimed = null;
}

function sweep(q: DeadlineQueue): void {
  q.timer = null;
  const now = Date.now();
  let t = q.head;
  while (t !== null && t.deadline <= now) {
    unlink(t, q);
    t.timedOut();
    t = q.head;
  }
  // a timedOut() may have started another handshake, which armed the timer already
  if (t !== null && q.timer === null) q.timer = setTimeout(sweep, Math.max(1, t.deadline - now), q);
}
