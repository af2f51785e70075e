import { OPEN } from './conn-state.js';
import type { ConnCore } from './conn-state.js';
import { ConnClosedError } from './errors.js';
import { InboundStream } from './inbound-stream.js';
import type { StreamOwner } from './inbound-stream.js';
import { ReceivedMessage } from './message.js';
import type { Message, MessageStream } from './message.js';
import { Pending, Signal } from './queue-items.js';
import type { Item } from './queue-items.js';
import type { StreamReadOptions } from './conn-types.js';

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/** A consumer waiting for the next message. */
export type Waiter = (r: IteratorResult<Message | MessageStream>) => void;

/**
 * The read side's queue between the receiver and the consumer: received
 * messages (or message streams) in order, the consumer's pull-driven
 * iteration, read backpressure, and close frames and protocol errors that take
 * effect in their place in the queue.
 */
export interface Inbound extends ConnCore, StreamOwner {
  /** Queue slots [qHead, qTail); null while the queue is empty (an idle connection holds no array). */
  items: Item[] | null;
  qHead: number;
  qTail: number;
  queuedBytes: number;
  /** The consumer waiting for an item (further ones, if next() is called again before it settles, in `extra`). */
  waiter: Waiter | null;
  mode: 'message' | 'stream' | null;
  iterating: boolean;
  /** No more frames are parsed (a close frame or an error was seen). */
  readStopped: boolean;
  /** The consumer gets DONE once the queue is drained. */
  readEnded: boolean;
  /** What streaming reads, extra waiters and deferred signals need; made for the first of them. */
  extra: ReadExtras | null;
  /** The message being received in streaming mode, owned by the receiver. */
  msgStream: InboundStream | null;
  /** Frames of data messages received so far (non-zero once any arrived). */
  msgFrames: number;
}

/**
 * The read side's rarely needed state: the consumer's further waiters, the
 * stream handed out last and the stream reader's size limit (streaming mode),
 * the timer of a close or error signal waiting for the consumer.
 */
export class ReadExtras {
  moreWaiters: Waiter[] = [];
  lastStream: InboundStream | null = null;
  /** The stream reader's own message size limit; -1 for none (a small integer, not Infinity, keeps the field unboxed). */
  streamLimit = -1;
  signalTimer: NodeJS.Timeout | null = null;
}

/** See Conn.messages. */
export function messages(c: Inbound, opts: StreamReadOptions | undefined): AsyncIterableIterator<Message | MessageStream> {
  const mode = opts?.stream === true ? 'stream' : 'message';
  if (c.mode === null) {
    if (c.msgFrames > 0 || c.qHead < c.qTail) {
      if (mode === 'stream') throw new Error('messages({ stream: true }) must be called before messages arrive');
    }
    c.mode = mode;
    const max = opts?.maxMessageSize;
    if (mode === 'stream' && max !== undefined && max !== Infinity) extras(c).streamLimit = max;
  } else if (c.mode !== mode) {
    throw new Error(`this connection is already read in ${c.mode} mode`);
  }
  return new ItemIterator(c);
}

/** The size limit of the message being received. */
export function messageLimit(c: Inbound): number {
  if (c.mode !== 'stream') return c.limits.maxMessageSize;
  const limit = c.extra?.streamLimit ?? -1;
  return limit < 0 ? Infinity : limit;
}

function extras(c: Inbound): ReadExtras {
  return (c.extra ??= new ReadExtras());
}

/** The iterator's next(). */
function nextItem(c: Inbound): Promise<IteratorResult<Message | MessageStream>> {
  c.iterating = true;
  if (c.waiter === null) {
    const r = pull(c);
    if (r !== null) return Promise.resolve(r);
  }
  return new Promise((resolve) => {
    if (c.waiter === null) c.waiter = resolve;
    else extras(c).moreWaiters.push(resolve);
  });
}

/** The iterator's return(): the consumer left its loop. */
function stopIterating(c: Inbound): void {
  c.iterating = false;
  c.extra?.lastStream?.abandon();
  flushSignal(c);
}

/** Run a queued close/error signal now, ahead of the messages still queued before it. */
function flushSignal(c: Inbound): void {
  clearSignalTimer(c);
  const items = c.items;
  if (items === null) return;
  for (let i = c.qHead; i < c.qTail; i++) {
    const item = items[i];
    if (item instanceof Signal) {
      items[i] = undefined as unknown as Item;
      c.qTail = i;
      runSignal(c, item);
      wake(c);
      return;
    }
  }
}

/** A deferred signal waited closeTimeoutMs for the consumer. */
function signalTimeout(c: Inbound): void {
  (c.extra as ReadExtras).signalTimer = null;
  flushSignal(c);
}

/** The consumer took n queued bytes. */
export function consumed(c: Inbound, n: number): void {
  c.queuedBytes -= n;
  if (c.paused && c.queuedBytes <= c.limits.readHighWaterMark >>> 1) {
    c.paused = false;
    c.resumeReading();
  }
}

/** Next result for the consumer, or null when it has to wait. */
function pull(c: Inbound): IteratorResult<Message | MessageStream> | null {
  for (;;) {
    if (c.qHead === c.qTail) return c.readEnded ? DONE : null;
    const item = (c.items as Item[])[c.qHead];
    if (item instanceof ReceivedMessage) {
      shift(c);
      consumed(c, item.data.length);
      return { done: false, value: item };
    }
    if (item instanceof InboundStream) {
      shift(c);
      const x = extras(c);
      x.lastStream?.abandon();
      x.lastStream = item;
      return { done: false, value: item };
    }
    if (item instanceof Pending) {
      if (!item.done) {
        if (!c.finalized) return null;
        dropQueue(c);
        return DONE;
      }
      shift(c);
      if (item.message !== null) {
        consumed(c, item.message.data.length);
        return { done: false, value: item.message };
      }
      runSignal(c, new Signal(item.error, 0, ''));
      continue;
    }
    shift(c);
    runSignal(c, item);
  }
}

function shift(c: Inbound): void {
  (c.items as Item[])[c.qHead++] = undefined as unknown as Item;
  // An empty queue gives its storage back: an idle connection holds none.
  if (c.qHead === c.qTail) dropQueue(c);
}

function dropQueue(c: Inbound): void {
  c.items = null;
  c.qHead = c.qTail = 0;
}

/** Hand queued results to the waiting consumer. */
export function wake(c: Inbound): void {
  while (c.waiter !== null) {
    const r = pull(c);
    if (r === null) return;
    const w = c.waiter;
    const more = c.extra?.moreWaiters;
    c.waiter = more !== undefined && more.length > 0 ? (more.shift() as Waiter) : null;
    w(r);
  }
}

export function enqueue(c: Inbound, item: Item, bytes: number): void {
  (c.items ??= [])[c.qTail++] = item;
  c.queuedBytes += bytes;
}

/**
 * A close frame or an error from the reader. While someone reads, it takes
 * effect once the consumer asks for the next item, after the messages queued
 * before it, so replies to them still go out (Autobahn strictness); at most
 * closeTimeoutMs later if the consumer does not come back. Otherwise at once.
 */
export function signal(c: Inbound, sig: Signal): void {
  c.readStopped = true;
  let waiting = c.qTail - c.qHead;
  let consumerIdle = c.waiter !== null;
  const s = c.msgStream;
  if (s !== null) {
    // Reading stops, so the message being streamed can never finish: fail it now, and do not
    // make its consumer wait for the signal queued behind it (there is nothing to answer).
    c.msgStream = null;
    s.fail(sig.error ?? new ConnClosedError('the peer closed the connection in the middle of a message'));
    if (waiting === 1 && c.items !== null && c.items[c.qHead] === s) waiting = 0;
    if (c.extra?.lastStream === s) consumerIdle = true;
  }
  if (c.state !== OPEN || !c.iterating || (waiting === 0 && consumerIdle)) {
    runSignal(c, sig);
    return;
  }
  enqueue(c, sig, 0);
  const x = extras(c);
  x.signalTimer = setTimeout(signalTimeout, c.limits.closeTimeoutMs, c);
  x.signalTimer.unref();
}

function clearSignalTimer(c: Inbound): void {
  const x = c.extra;
  if (x === null || x.signalTimer === null) return;
  clearTimeout(x.signalTimer);
  x.signalTimer = null;
}

/** Take a close/error signal into effect. Callers wake the consumer (pull() hands out the result itself). */
function runSignal(c: Inbound, sig: Signal): void {
  clearSignalTimer(c);
  if (sig.error !== null) {
    c.fail(sig.error);
  } else {
    c.readEnded = true;
    c.onPeerClose(sig.code, sig.reason);
  }
}

/** No more frames are read; the message being received fails with `err`. */
export function stopReading(c: Inbound, err: Error): void {
  c.readStopped = true;
  c.readEnded = true;
  c.msgStream?.fail(err);
}

/** The connection is gone: the consumer's reads end. */
export function endReading(c: Inbound, gone: () => Error): void {
  c.readStopped = true;
  c.readEnded = true;
  clearSignalTimer(c);
  c.msgStream?.fail(gone());
  c.extra?.lastStream?.fail(gone());
  wake(c);
  const w = c.waiter;
  c.waiter = null;
  w?.(DONE);
  const more = c.extra?.moreWaiters;
  if (more === undefined) return;
  const rest = more.splice(0);
  for (const m of rest) m(DONE);
}

/** The object `for await` drives; all state lives in the connection. */
class ItemIterator implements AsyncIterableIterator<Message | MessageStream> {
  constructor(private readonly conn: Inbound) {}

  next(): Promise<IteratorResult<Message | MessageStream>> {
    return nextItem(this.conn);
  }

  return(): Promise<IteratorResult<Message | MessageStream>> {
    stopIterating(this.conn);
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
