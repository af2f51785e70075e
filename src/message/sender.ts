import { Opcode } from '../wire/index.js';
import { ConnBase, defineFlags, OPEN, RESOLVED } from './conn-base.js';
import { ConnClosedError } from './errors.js';
import { MessageWriter } from './writer.js';
import type { WriterOptions } from './writer.js';
import type { SendOptions } from './conn-types.js';
import type { Publication } from './publication.js';

type Deferred = { resolve(): void; reject(e: Error): void };

/**
 * The write side of a connection: messages in order on the data channel
 * (asynchronous sends such as compression or a streaming writer hold it in
 * turn) and backpressure against the socket's write buffer.
 */
export abstract class ConnSender extends ConnBase {
  /** @internal a MessageWriter holds the data channel (its message may be unfinished). */
  declare writerActive: boolean;
  /** Non-null while an asynchronous data send (compression, a streaming writer) holds the data channel. */
  protected outTail: Promise<void> | null = null;
  private drainWaiters: Deferred[] | null = null;

  /** Bytes handed to the socket and not yet written to the kernel, plus the ones batched for the next write. */
  get bufferedAmount(): number {
    return this.socket.writableLength + (this.sink?.pending ?? 0);
  }

  /**
   * Send one message. Strings go as text, bytes as binary unless `binary` says
   * otherwise. Resolves once the frame is handed to the socket: at once while
   * fewer than `maxQueuedBytes` are waiting to be written, otherwise on 'drain'.
   * Rejects with ConnClosedError when the connection is closing or gone.
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

  private afterWrite(): Promise<void> {
    const s = this.socket;
    if (s.writableLength <= this.limits.maxQueuedBytes || !s.writableNeedDrain) return RESOLVED;
    return new Promise((resolve, reject) => {
      (this.drainWaiters ??= []).push({ resolve, reject });
    });
  }

  /** @internal socket 'drain' */
  handleDrain(): void {
    const list = this.drainWaiters;
    if (list === null) return;
    this.drainWaiters = null;
    for (const w of list) w.resolve();
  }

  /** The connection is gone: sends waiting for 'drain' fail. */
  protected rejectDrainWaiters(gone: Error): void {
    for (const w of this.drainWaiters ?? []) w.reject(gone);
    this.drainWaiters = null;
  }
}

defineFlags(ConnSender.prototype, ['writerActive']);

function noop(): void {}
