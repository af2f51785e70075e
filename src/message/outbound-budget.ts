import type { Duplex } from 'node:stream';

type Deferred = { resolve(): void; reject(e: Error): void };

const EMPTY = Buffer.alloc(0);

/** What an over-budget connection does when its queue drains or stays full too long. */
export interface BudgetOwner {
  /** The queue drained (or its write barrier completed). */
  handleDrain(): void;
  /** The queue stayed over budget for drainTimeoutMs. */
  onDrainTimeout(): void;
}

/**
 * A connection whose outbound queue is over its budget (`maxQueuedBytes`):
 * the sends waiting for room, the deadline by which the peer must have taken
 * the queue, and whether reading is paused until then. Made when the budget is
 * exceeded and dropped when the queue drains, so a connection within its budget
 * carries none of it.
 */
export class OverBudget {
  readonly waiters: Deferred[] = [];
  timer: NodeJS.Timeout | null = null;
  /** A zero-length write is queued whose callback tells that everything before it was written. */
  private barrier = false;

  constructor(owner: BudgetOwner, drainTimeoutMs: number) {
    if (drainTimeoutMs > 0) {
      this.timer = setTimeout(drainTimeout, drainTimeoutMs, owner);
      this.timer.unref();
    }
  }

  /** A promise settled when the queue drains (resolve) or the connection ends (reject). */
  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Make sure the owner hears when the socket has written everything: a socket
   * past its high-water mark emits 'drain'; below it (a budget smaller than the
   * socket's buffer) nothing would, so a zero-length write's callback tells instead.
   */
  watch(owner: BudgetOwner, socket: Duplex): void {
    if (socket.writableNeedDrain || this.barrier || socket.destroyed || !socket.writable) return;
    this.barrier = true;
    socket.write(EMPTY, () => {
      this.barrier = false;
      owner.handleDrain();
    });
  }

  /** The queue drained: stop the deadline, let the waiting sends go. */
  release(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiters) w.resolve();
  }

  /** The connection is gone: the waiting sends fail. */
  fail(gone: Error): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiters) w.reject(gone);
  }
}

function drainTimeout(owner: BudgetOwner): void {
  owner.onDrainTimeout();
}
