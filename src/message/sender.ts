import { Opcode } from '../wire/index.js';
import { OPEN, RESOLVED } from './conn-state.js';
import type { ConnCore } from './conn-state.js';
import { ConnClosedError, DrainTimeoutError } from './errors.js';
import { takeSink } from './frame-sink.js';
import type { FrameSink, SinkOwner } from './frame-sink.js';
import { OverBudget } from './outbound-budget.js';
import type { BudgetOwner } from './outbound-budget.js';
import type { SendOptions } from './conn-types.js';
import type { Publication } from './publication.js';

/**
 * The write side of a connection: messages in order on the data channel
 * (asynchronous sends such as compression or a streaming writer hold it in
 * turn) and the outbound budget: every byte queued for the peer counts, and
 * past `maxQueuedBytes` sends wait until the socket has drained.
 */
export interface Outbound extends ConnCore, SinkOwner, BudgetOwner {
  /** A MessageWriter holds the data channel (its message may be unfinished). */
  writerActive: boolean;
  /** Non-null while an asynchronous data send (compression, a streaming writer) holds the data channel. */
  outTail: Promise<void> | null;
  /** Non-null while the outbound queue is over budget. */
  overBudget: OverBudget | null;
}

/** Where the connection's frames are encoded: its sink, or a spare one it holds until the frames are written. */
export function out(c: Pick<ConnCore, 'socket' | 'role'> & SinkOwner): FrameSink {
  return c.sink ?? takeSink(c, c.socket, c.role === 'client');
}

/** Bytes queued for the peer and not yet taken by the kernel. */
export function bufferedAmount(c: Outbound): number {
  const sink = c.sink;
  return c.socket.writableLength + (sink === null ? 0 : sink.pending);
}

/** See Conn.whenWritable. */
export function whenWritable(c: Outbound): Promise<void> {
  if (bufferedAmount(c) <= c.limits.maxQueuedBytes) return RESOLVED;
  return waitForRoom(c);
}

/** See Conn.send; `withTurn`: see Conn.sendWithTurn. */
export function send(c: Outbound, data: string | Uint8Array, opts: SendOptions | undefined, withTurn = false): Promise<void> {
  if (c.state !== OPEN) return Promise.reject(new ConnClosedError());
  const isString = typeof data === 'string';
  if (!isString && !(data instanceof Uint8Array)) return Promise.reject(new TypeError('send() takes a string or a Uint8Array'));
  const binary = opts?.binary ?? !isString;
  const op = binary ? Opcode.Binary : Opcode.Text;
  const deflate = c.deflate;
  if (deflate !== null && opts?.compress !== false) {
    if (deflate.shouldCompress(isString ? Buffer.byteLength(data) : data.length)) {
      return exclusive(c, async () => {
        const compressed = await deflate.compress(isString ? Buffer.from(data) : data, true);
        checkWritable(c);
        out(c).frame(op, true, true, compressed, withTurn);
        await afterWrite(c);
      });
    }
  }
  if (c.outTail !== null) {
    return exclusive(c, () => {
      checkWritable(c);
      if (isString) out(c).text(op, true, data, withTurn);
      else out(c).frame(op, true, false, data, withTurn);
      return afterWrite(c);
    });
  }
  if (isString) out(c).text(op, true, data, withTurn);
  else out(c).frame(op, true, false, data, withTurn);
  return afterWrite(c);
}

/**
 * Queue a hub publication: the frame it shares with other connections, in
 * order behind earlier sends, or (a client's masked frames, compression with
 * context takeover) a send of its own.
 */
export function deliver(c: Outbound, publication: Publication): void {
  const frame = c.role === 'server' ? publication.frameFor(c.deflate) : null;
  if (frame === null) {
    send(c, publication.payload, publication.options).catch(noop);
    return;
  }
  if (c.outTail === null) {
    out(c).shared(frame);
    return;
  }
  void exclusive(c, () => {
    if (!c.closeSent && !c.finalized) out(c).shared(frame);
  });
}

/** Write one fragment for a MessageWriter that holds the data channel. */
export function writeFragment(c: Outbound, op: number, fin: boolean, rsv1: boolean, data: Uint8Array): Promise<void> {
  checkWritable(c);
  out(c).frame(op, fin, rsv1, data);
  return afterWrite(c);
}

/**
 * Run `job` once every earlier asynchronous data send is done; later sends
 * wait for it. The returned promise settles with the job.
 */
export function exclusive<T>(c: Outbound, job: () => Promise<T> | T): Promise<T> {
  const prev = c.outTail ?? RESOLVED;
  const result = prev.then(job);
  const tail = result.then(noop, noop);
  c.outTail = tail;
  void tail.then(() => {
    if (c.outTail === tail) c.outTail = null;
  });
  return result;
}

function checkWritable(c: Outbound): void {
  if (c.closeSent || c.finalized) throw new ConnClosedError();
}

/** The budget check of every send: one add and one compare while within it. */
function afterWrite(c: Outbound): Promise<void> {
  const sink = c.sink;
  if (c.socket.writableLength + (sink === null ? 0 : sink.pending) <= c.limits.maxQueuedBytes) return RESOLVED;
  return waitForRoom(c);
}

function waitForRoom(c: Outbound): Promise<void> {
  if (c.finalized) return Promise.reject(new ConnClosedError());
  const ob = overBudgetNow(c);
  return ob === null ? RESOLVED : ob.wait();
}

/**
 * The queue looks over budget: hand the frames batched for this tick to the
 * socket (so they count where 'drain' is measured) and, if the socket still
 * holds more than the budget, enter the over-budget state until it drains.
 */
export function overBudgetNow(c: Outbound): OverBudget | null {
  c.sink?.flush();
  const s = c.socket;
  if (s.writableLength <= c.limits.maxQueuedBytes) return null;
  const ob = (c.overBudget ??= new OverBudget(c, c.limits.drainTimeoutMs));
  ob.watch(c, s);
  return ob;
}

/** Socket 'drain' (or a write barrier completed). */
export function drained(c: Outbound): void {
  const ob = c.overBudget;
  if (ob === null) return;
  if (bufferedAmount(c) > c.limits.maxQueuedBytes) {
    // Sends that were not awaited refilled it: wait for the next drain.
    c.sink?.flush();
    if (c.socket.writableLength > c.limits.maxQueuedBytes) {
      ob.watch(c, c.socket);
      return;
    }
  }
  c.overBudget = null;
  ob.release();
  if (c.outPaused) {
    c.outPaused = false;
    c.resumeReading();
  }
}

/** The queue stayed over budget for drainTimeoutMs: the peer does not read, drop it with 1008. */
export function drainTimedOut(c: Outbound): void {
  const ob = c.overBudget;
  if (ob !== null) ob.timer = null;
  if (c.finalized) return;
  c.fail(new DrainTimeoutError(c.limits.drainTimeoutMs));
}

/** The connection is gone: sends waiting for room fail. */
export function rejectDrainWaiters(c: Outbound, gone: () => Error): void {
  if (c.overBudget === null) return;
  c.overBudget.fail(gone());
  c.overBudget = null;
}

function noop(): void {}
