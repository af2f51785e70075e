import type { MessageStream } from './message.js';

/** What an InboundStream tells its connection. */
export interface StreamOwner {
  /** `n` queued bytes were taken by the consumer (may resume a paused socket). */
  consumed(n: number): void;
}

type Waiter = { resolve(r: IteratorResult<Buffer>): void; reject(e: Error): void };

const DONE: IteratorResult<Buffer> = Object.freeze({ done: true, value: undefined });

/**
 * One message read in streaming mode: chunks are pushed by the reader as
 * fragments arrive and pulled by the consumer's `for await`.
 */
export class InboundStream implements MessageStream, AsyncIterableIterator<Buffer> {
  readonly binary: boolean;
  private readonly chunks: Buffer[] = [];
  private head = 0;
  private waiter: Waiter | null = null;
  private ended = false;
  private error: Error | null = null;
  /** The consumer moved on to the next message; whatever still arrives is dropped. */
  private abandoned = false;

  constructor(
    private readonly owner: StreamOwner,
    binary: boolean,
  ) {
    this.binary = binary;
  }

  /** Whether the message has ended (completely received or failed). */
  get finished(): boolean {
    return this.ended || this.error !== null;
  }

  /** Reader side: a chunk of payload arrived. Returns false if it was dropped (stream abandoned). */
  push(chunk: Buffer): boolean {
    if (this.abandoned || this.finished) return false;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      this.owner.consumed(chunk.length);
      w.resolve({ done: false, value: chunk });
    } else {
      this.chunks.push(chunk);
    }
    return true;
  }

  /** Reader side: the message is complete. */
  end(): void {
    if (this.finished) return;
    this.ended = true;
    this.settleWaiter();
  }

  /** Reader side: the message cannot complete (protocol error or connection gone). */
  fail(error: Error): void {
    if (this.finished) return;
    this.error = error;
    this.settleWaiter();
  }

  /** Connection side: the consumer asked for the next message; drop what is buffered here. */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    let n = 0;
    for (let i = this.head; i < this.chunks.length; i++) n += this.chunks[i].length;
    this.chunks.length = 0;
    this.head = 0;
    if (n > 0) this.owner.consumed(n);
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.head < this.chunks.length) {
      const chunk = this.chunks[this.head];
      this.chunks[this.head++] = undefined as unknown as Buffer;
      if (this.head === this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
      }
      this.owner.consumed(chunk.length);
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.error !== null) return Promise.reject(this.error);
    if (this.ended || this.abandoned) return Promise.resolve(DONE);
    if (this.waiter !== null) return Promise.reject(new Error('concurrent next() calls on a message stream'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.abandon();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settleWaiter(): void {
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    if (this.error !== null && !this.abandoned) w.reject(this.error);
    else w.resolve(DONE);
  }
}
