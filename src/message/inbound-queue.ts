import { ConnClosing } from './closing.js';
import { defineFlags, OPEN } from './conn-base.js';
import { ConnClosedError } from './errors.js';
import { InboundStream } from './inbound-stream.js';
import type { StreamOwner } from './inbound-stream.js';
import { ReceivedMessage } from './message.js';
import type { Message, MessageStream } from './message.js';
import { Pending, Signal } from './queue-items.js';
import type { Item } from './queue-items.js';
import type { StreamReadOptions } from './conn-types.js';

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

type Waiter = (r: IteratorResult<Message | MessageStream>) => void;

/**
 * The read side's queue between the receiver and the consumer: received
 * messages (or message streams) in order, the consumer's pull-driven
 * iteration, read backpressure, and close frames and protocol errors that take
 * effect in their place in the queue.
 */
export abstract class ConnInbound extends ConnClosing implements AsyncIterable<Message>, StreamOwner {
  /** Queue slots [qHead, qTail); null while the queue is empty (an idle connection holds no array). */
  private items: Item[] | null = null;
  private qHead = 0;
  private qTail = 0;
  protected queuedBytes = 0;
  /** The consumer waiting for an item (further ones, if next() is called again before it settles, in `extra`). */
  protected waiter: Waiter | null = null;
  protected mode: 'message' | 'stream' | null = null;
  declare protected iterating: boolean;
  /** No more frames are parsed (a close frame or an error was seen). */
  declare protected readStopped: boolean;
  /** The consumer gets DONE once the queue is drained. */
  declare private readEnded: boolean;
  /** What streaming reads, extra waiters and deferred signals need; made for the first of them. */
  private extra: ReadExtras | null = null;

  /** The message being received in streaming mode, owned by the receiver. */
  protected abstract msgStream: InboundStream | null;
  /** Frames of data messages received so far (non-zero once any arrived). */
  protected abstract msgFrames: number;

  /** Whole messages, in order, until the connection closes. Same as `messages()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this.messages();
  }

  /**
   * Read whole messages, or with `{ stream: true }` each message as an async
   * iterable of chunks that arrive as its fragments do (nothing is buffered
   * whole). A connection is read in one mode only. Leaving a `for await` loop
   * does not close the connection; call `close()` for that.
   */
  messages(): AsyncIterableIterator<Message>;
  messages(opts: StreamReadOptions): AsyncIterableIterator<MessageStream>;
  messages(opts?: StreamReadOptions): AsyncIterableIterator<Message> | AsyncIterableIterator<MessageStream> {
    const mode = opts?.stream === true ? 'stream' : 'message';
    if (this.mode === null) {
      if (this.msgFrames > 0 || this.qHead < this.qTail) {
        if (mode === 'stream') throw new Error('messages({ stream: true }) must be called before messages arrive');
      }
      this.mode = mode;
      const max = opts?.maxMessageSize;
      if (mode === 'stream' && max !== undefined && max !== Infinity) this.extras().streamLimit = max;
    } else if (this.mode !== mode) {
      throw new Error(`this connection is already read in ${this.mode} mode`);
    }
    return new ItemIterator(this) as unknown as AsyncIterableIterator<Message>;
  }

  /** The size limit of the message being received. */
  protected messageLimit(): number {
    if (this.mode !== 'stream') return this.limits.maxMessageSize;
    const limit = this.extra?.streamLimit ?? -1;
    return limit < 0 ? Infinity : limit;
  }

  private extras(): ReadExtras {
    return (this.extra ??= new ReadExtras());
  }

  /** @internal the iterator's next() */
  nextItem(): Promise<IteratorResult<Message | MessageStream>> {
    this.iterating = true;
    if (this.waiter === null) {
      const r = this.pull();
      if (r !== null) return Promise.resolve(r);
    }
    return new Promise((resolve) => {
      if (this.waiter === null) this.waiter = resolve;
      else this.extras().moreWaiters.push(resolve);
    });
  }

  /** @internal the iterator's return(): the consumer left its loop. */
  stopIterating(): void {
    this.iterating = false;
    this.extra?.lastStream?.abandon();
    this.flushSignal();
  }

  /** Run a queued close/error signal now, ahead of the messages still queued before it. */
  private flushSignal(): void {
    this.clearSignalTimer();
    const items = this.items;
    if (items === null) return;
    for (let i = this.qHead; i < this.qTail; i++) {
      const item = items[i];
      if (item instanceof Signal) {
        items[i] = undefined as unknown as Item;
        this.qTail = i;
        this.runSignal(item);
        this.wake();
        return;
      }
    }
  }

  /** @internal a deferred signal waited closeTimeoutMs for the consumer */
  onSignalTimeout(): void {
    (this.extra as ReadExtras).signalTimer = null;
    this.flushSignal();
  }

  /** @internal StreamOwner: the consumer took n queued bytes. */
  consumed(n: number): void {
    this.queuedBytes -= n;
    if (this.paused && this.queuedBytes <= this.limits.readHighWaterMark >>> 1) {
      this.paused = false;
      this.resumeReading();
    }
  }

  /** Next result for the consumer, or null when it has to wait. */
  private pull(): IteratorResult<Message | MessageStream> | null {
    for (;;) {
      if (this.qHead === this.qTail) return this.readEnded ? DONE : null;
      const item = (this.items as Item[])[this.qHead];
      if (item instanceof ReceivedMessage) {
        this.shift();
        this.consumed(item.data.length);
        return { done: false, value: item };
      }
      if (item instanceof InboundStream) {
        this.shift();
        const x = this.extras();
        x.lastStream?.abandon();
        x.lastStream = item;
        return { done: false, value: item };
      }
      if (item instanceof Pending) {
        if (!item.done) {
          if (!this.finalized) return null;
          this.dropQueue();
          return DONE;
        }
        this.shift();
        if (item.message !== null) {
          this.consumed(item.message.data.length);
          return { done: false, value: item.message };
        }
        this.runSignal(new Signal(item.error, 0, ''));
        continue;
      }
      this.shift();
      this.runSignal(item);
    }
  }

  private shift(): void {
    (this.items as Item[])[this.qHead++] = undefined as unknown as Item;
    // An empty queue gives its storage back: an idle connection holds none.
    if (this.qHead === this.qTail) this.dropQueue();
  }

  private dropQueue(): void {
    this.items = null;
    this.qHead = this.qTail = 0;
  }

  /** Hand queued results to the waiting consumer. */
  protected wake(): void {
    while (this.waiter !== null) {
      const r = this.pull();
      if (r === null) return;
      const w = this.waiter;
      const more = this.extra?.moreWaiters;
      this.waiter = more !== undefined && more.length > 0 ? (more.shift() as Waiter) : null;
      w(r);
    }
  }

  protected enqueue(item: Item, bytes: number): void {
    (this.items ??= [])[this.qTail++] = item;
    this.queuedBytes += bytes;
  }

  /**
   * A close frame or an error from the reader. While someone reads, it takes
   * effect once the consumer asks for the next item, after the messages queued
   * before it, so replies to them still go out (Autobahn strictness); at most
   * closeTimeoutMs later if the consumer does not come back. Otherwise at once.
   */
  protected signal(sig: Signal): void {
    this.readStopped = true;
    let waiting = this.qTail - this.qHead;
    let consumerIdle = this.waiter !== null;
    const s = this.msgStream;
    if (s !== null) {
      // Reading stops, so the message being streamed can never finish: fail it now, and do not
      // make its consumer wait for the signal queued behind it (there is nothing to answer).
      this.msgStream = null;
      s.fail(sig.error ?? new ConnClosedError('the peer closed the connection in the middle of a message'));
      if (waiting === 1 && this.items !== null && this.items[this.qHead] === s) waiting = 0;
      if (this.extra?.lastStream === s) consumerIdle = true;
    }
    if (this.state !== OPEN || !this.iterating || (waiting === 0 && consumerIdle)) {
      this.runSignal(sig);
      return;
    }
    this.enqueue(sig, 0);
    const x = this.extras();
    x.signalTimer = setTimeout(signalTimeout, this.limits.closeTimeoutMs, this);
    x.signalTimer.unref();
  }

  private clearSignalTimer(): void {
    const x = this.extra;
    if (x === null || x.signalTimer === null) return;
    clearTimeout(x.signalTimer);
    x.signalTimer = null;
  }

  /** Take a close/error signal into effect. Callers wake the consumer (pull() hands out the result itself). */
  private runSignal(sig: Signal): void {
    this.clearSignalTimer();
    if (sig.error !== null) {
      this.fail(sig.error);
    } else {
      this.readEnded = true;
      this.onPeerClose(sig.code, sig.reason);
    }
  }

  protected stopReading(err: Error): void {
    this.readStopped = true;
    this.readEnded = true;
    this.msgStream?.fail(err);
  }

  protected endReading(gone: Error): void {
    this.readStopped = true;
    this.readEnded = true;
    this.clearSignalTimer();
    this.msgStream?.fail(gone);
    this.extra?.lastStream?.fail(gone);
    this.wake();
    const w = this.waiter;
    this.waiter = null;
    w?.(DONE);
    const more = this.extra?.moreWaiters;
    if (more === undefined) return;
    const rest = more.splice(0);
    for (const m of rest) m(DONE);
  }
}

defineFlags(ConnInbound.prototype, ['iterating', 'readStopped', 'readEnded']);

/**
 * The read side's rarely needed state: the consumer's further waiters, the
 * stream handed out last and the stream reader's size limit (streaming mode),
 * the timer of a close or error signal waiting for the consumer.
 */
class ReadExtras {
  moreWaiters: Waiter[] = [];
  lastStream: InboundStream | null = null;
  /** The stream reader's own message size limit; -1 for none (a small integer, not Infinity, keeps the field unboxed). */
  streamLimit = -1;
  signalTimer: NodeJS.Timeout | null = null;
}

/** The object `for await` drives; all state lives in the connection. */
class ItemIterator {
  constructor(private readonly conn: ConnInbound) {}

  next(): Promise<IteratorResult<Message | MessageStream>> {
    return this.conn.nextItem();
  }

  return(): Promise<IteratorResult<Message | MessageStream>> {
    this.conn.stopIterating();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function signalTimeout(conn: ConnInbound): void {
  conn.onSignalTimeout();
}
