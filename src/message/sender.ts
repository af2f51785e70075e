import { Opcode } from '../wire/index.js';
import { ConnBase, defineFlags, OPEN, RESOLVED } from './conn-base.js';
import { ConnClosedError, DrainTimeoutError } from './errors.js';
import { OverBudget } from './outbound-budget.js';
import type { BudgetOwner } from './outbound-budget.js';
import { MessageWriter } from './writer.js';
import type { WriterOptions } from './writer.js';
import type { SendOptions } from './conn-types.js';
import type { Publication } from './publication.js';

/**
 * The write side of a connection: messages in order on the data channel
 * (asynchronous sends such as compression or a streaming writer hold it in
 * turn) and the outbound budget: every byte queued for the peer counts, and
 * past `maxQueuedBytes` sends wait until the socket has drained.
 */
export abstract class ConnSender extends ConnBase implements BudgetOwner {
  /** @internal a MessageWriter holds the data channel (its message may be unfinished). */
  declare writerActive: boolean;
  /** Reading is paused until the outbound queue drains (the peer's pings filled it). */
  declare protected outPaused: boolean;
  /** Non-null while an asynchronous data send (compression, a streaming writer) holds the data channel. */
  protected outTail: Promise<void> | null = null;
  /** Non-null while the outbound queue is over budget. */
  private overBudget: OverBudget | null = null;

  /**
   * Bytes queued for the peer and not yet taken by the kernel: frames batched
   * for this tick's write plus the socket's write buffer. Compared with
   * `limits.maxQueuedBytes`, this is the outbound budget in use.
   */
  get bufferedAmount(): number {
    const sink = this.sink;
    return this.socket.writableLength + (sink === null ? 0 : sink.pending);
  }

  /**
   * Resolves at once while the outbound queue is within `maxQueuedBytes`,
   * otherwise once the socket has written it all. Rejects with ConnClosedError
   * when the connection ends first.
   */
  whenWritable(): Promise<void> {
    if (this.bufferedAmount <= this.limits.maxQueuedBytes) return RESOLVED;
    return this.waitForRoom();
  }

  /**
   * Send one message. Strings go as text, bytes as binary unless `binary` says
   * otherwise. Resolves once the frame is queued while the outbound queue
   * (`bufferedAmount`) is within `maxQueuedBytes`; past it, once the socket
   * has written everything queued (so a loop of awaited sends is held back by
   * a peer that does not read). Rejects with ConnClosedError when the
   * connection is closing or gone.
   */
  send(data: string | Uint8Array, opts?: SendOptions): Promise<void> {
    if (this.state !== OPEN) return Promise.reject(new ConnClosedError());
    const isString = typeof data === 'string';
    if (!isString && !(data instanceof Uint8Array)) return Promise.reject(new TypeError('send() takes a string or a Uint8Array'));
    const binary = opts?.binary ?? !isString;
    const op = binary ? Opcode.Binary : Opcode.Text;
    const deflate = this.deflate;
    if (deflate !== null && opts?.compress !== false) {
      if (deflate.shouldCompress(isString ? Buffer.byteLength(data) : data.length)) {
        return this.exclusive(async () => {
          const out = await deflate.compress(isString ? Buffer.from(data) : data, true);
          this.checkWritable();
          this.out().frame(op, true, true, out);
          await this.afterWrite();
        });
      }
    }
    if (this.outTail !== null) {
      return this.exclusive(() => {
        this.checkWritable();
        if (isString) this.out().text(op, true, data);
        else this.out().frame(op, true, false, data);
        return this.afterWrite();
      });
    }
    if (isString) this.out().text(op, true, data);
    else this.out().frame(op, true, false, data);
    return this.afterWrite();
  }

  /**
   * A Writable that sends one message in parts: each write becomes fragments
   * (buffered up to `fragmentSize`, or one per write with `fragmentSize: 0`),
   * `end()` sends the final one. Other sends wait until the message is finished.
   */
  writer(opts: WriterOptions = {}): MessageWriter {
    return new MessageWriter(this, opts);
  }

  /**
   * @internal queue a hub publication: the frame it shares with other
   * connections, in order behind earlier sends, or (a client's masked frames,
   * compression with context takeover) a send of its own.
   */
  deliver(publication: Publication): void {
    const frame = this.role === 'server' ? publication.frameFor(this.deflate) : null;
    if (frame === null) {
      this.send(publication.payload, publication.options).catch(noop);
      return;
    }
    if (this.outTail === null) {
      this.out().shared(frame);
      return;
    }
    void this.exclusive(() => {
      if (!this.closeSent && !this.finalized) this.out().shared(frame);
    });
  }

  /** @internal write one fragment for a MessageWriter that holds the data channel. */
  writeFragment(op: number, fin: boolean, rsv1: boolean, data: Uint8Array): Promise<void> {
    this.checkWritable();
    this.out().frame(op, fin, rsv1, data);
    return this.afterWrite();
  }

  /**
   * @internal a MessageWriter failed in the middle of its message: nothing else
   * can be sent on the data channel, so the connection closes with 1011.
   */
  abstract abortMessage(err: Error): void;

  /** @internal compress one fragment of a message (in order). */
  compressFragment(data: Uint8Array, fin: boolean): Promise<Buffer> | null {
    return this.deflate === null ? null : this.deflate.compress(data, fin);
  }

  /** @internal whether permessage-deflate would compress a message part of this size. */
  wouldCompress(byteLength: number): boolean {
    return this.deflate !== null && this.deflate.shouldCompress(byteLength);
  }

  /**
   * @internal run `job` once every earlier asynchronous data send is done; later
   * sends wait for it. The returned promise settles with the job.
   */
  exclusive<T>(job: () => Promise<T> | T): Promise<T> {
    const prev = this.outTail ?? RESOLVED;
    const result = prev.then(job);
    const tail = result.then(noop, noop);
    this.outTail = tail;
    void tail.then(() => {
      if (this.outTail === tail) this.outTail = null;
    });
    return result;
  }

  private checkWritable(): void {
    if (this.closeSent || this.finalized) throw new ConnClosedError();
  }

  /** The budget check of every send: one add and one compare while within it. */
  private afterWrite(): Promise<void> {
    const sink = this.sink;
    if (this.socket.writableLength + (sink === null ? 0 : sink.pending) <= this.limits.maxQueuedBytes) return RESOLVED;
    return this.waitForRoom();
  }

  private waitForRoom(): Promise<void> {
    if (this.finalized) return Promise.reject(new ConnClosedError());
    const ob = this.overBudgetNow();
    return ob === null ? RESOLVED : ob.wait();
  }

  /**
   * The queue looks over budget: hand the frames batched for this tick to the
   * socket (so they count where 'drain' is measured) and, if the socket still
   * holds more than the budget, enter the over-budget state until it drains.
   */
  protected overBudgetNow(): OverBudget | null {
    this.sink?.flush();
    const s = this.socket;
    if (s.writableLength <= this.limits.maxQueuedBytes) return null;
    const ob = (this.overBudget ??= new OverBudget(this, this.limits.drainTimeoutMs));
    ob.watch(this, s);
    return ob;
  }

  /** @internal socket 'drain' (or a write barrier completed) */
  handleDrain(): void {
    const ob = this.overBudget;
    if (ob === null) return;
    if (this.bufferedAmount > this.limits.maxQueuedBytes) {
      // Sends that were not awaited refilled it: wait for the next drain.
      this.sink?.flush();
      if (this.socket.writableLength > this.limits.maxQueuedBytes) {
        ob.watch(this, this.socket);
        return;
      }
    }
    this.overBudget = null;
    ob.release();
    if (this.outPaused) {
      this.outPaused = false;
      this.resumeReading();
    }
  }

  /** Reading was paused for one reason and that reason is gone: resume unless the other one holds. */
  protected resumeReading(): void {
    if (!this.paused && !this.outPaused && !this.finalized) this.socket.resume();
  }

  /** @internal the queue stayed over budget for drainTimeoutMs: the peer does not read, drop it with 1008. */
  onDrainTimeout(): void {
    const ob = this.overBudget;
    if (ob !== null) ob.timer = null;
    if (this.finalized) return;
    this.fail(new DrainTimeoutError(this.limits.drainTimeoutMs));
  }

  /** Fail the connection with the error's close code. */
  protected abstract fail(err: Error): void;

  /** The connection is gone: sends waiting for room fail. */
  protected rejectDrainWaiters(gone: Error): void {
    this.overBudget?.fail(gone);
    this.overBudget = null;
  }
}

defineFlags(ConnSender.prototype, ['writerActive', 'outPaused']);

function noop(): void {}
