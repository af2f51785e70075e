import { Writable } from 'node:stream';
import { Opcode } from '../wire/index.js';
import { abortMessage } from './closing.js';
import type { Closing } from './closing.js';
import type { MessageCompressor } from './compressor.js';
import { exclusive, writeFragment } from './sender.js';

/** Options of `conn.writer()`. */
export interface WriterOptions {
  /** Binary message (default) or text (the parts together must be UTF-8). */
  binary?: boolean;
  /**
   * Bytes per fragment: writes are buffered and cut into fragments of this
   * size. 0 sends each write as its own fragment. Default: the connection's `fragmentSize`.
   */
  fragmentSize?: number;
  /** Compress with permessage-deflate when negotiated. Default true. */
  compress?: boolean;
}

/**
 * One message written in parts, as a Node Writable. It takes the connection's
 * data channel at the first write (other sends wait) and gives it back after
 * `end()` has sent the final fragment. Destroying it mid-message closes the
 * connection with 1011, since a started message cannot be taken back.
 */
export class MessageWriter extends Writable {
  private readonly conn: Closing;
  private readonly binary: boolean;
  private readonly fragmentSize: number;
  private readonly wantCompress: boolean;
  private compress = false;
  private started = false;
  private finished = false;
  private lock: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private readonly pending: Buffer[] = [];
  private pendingLen = 0;

  /** @internal made by `conn.writer()` */
  constructor(conn: Closing, opts: WriterOptions) {
    super({ decodeStrings: true });
    this.conn = conn;
    this.binary = opts.binary ?? true;
    const size = opts.fragmentSize ?? conn.limits.fragmentSize;
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`fragmentSize must be an integer >= 0, got ${size}`);
    this.fragmentSize = size;
    this.wantCompress = opts.compress !== false;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.acquire()
      .then(() => this.add(chunk))
      .then(() => cb(), cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    if (this.fragmentSize === 0) {
      // One fragment per write: keep the writes apart.
      this.acquire()
        .then(async () => {
          for (const c of chunks) await this.add(c.chunk);
        })
        .then(() => cb(), cb);
      return;
    }
    const joined = chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this._write(joined, 'binary', cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.acquire()
      .then(() => this.emitFragment(this.take(this.pendingLen), true))
      .then(
        () => {
          this.finished = true;
          this.unlock();
          cb();
        },
        (err: Error) => {
          this.unlock();
          cb(err);
        },
      );
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.started && !this.finished) abortMessage(this.conn, err ?? new Error('message writer destroyed mid-message'));
    this.unlock();
    cb(err);
  }

  /** Wait for the data channel (once). */
  private acquire(): Promise<void> {
    this.lock ??= new Promise<void>((ready) => {
      void exclusive(
        this.conn,
        () =>
          new Promise<void>((release) => {
            this.conn.writerActive = true;
            this.release = release;
            ready();
          }),
      ).catch(() => ready());
    });
    return this.lock;
  }

  private unlock(): void {
    const r = this.release;
    if (r === null) return;
    this.release = null;
    this.conn.writerActive = false;
    r();
  }

  private async add(chunk: Buffer): Promise<void> {
    if (this.fragmentSize === 0) {
      if (this.pendingLen > 0) await this.emitFragment(this.take(this.pendingLen), false);
      this.pending.push(chunk);
      this.pendingLen = chunk.length;
      return;
    }
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    while (this.pendingLen > this.fragmentSize) await this.emitFragment(this.take(this.fragmentSize), false);
  }

  /** The first n pending bytes as one buffer. */
  private take(n: number): Buffer {
    const p = this.pending;
    if (p.length === 1 && p[0].length === n) {
      const only = p[0];
      p.length = 0;
      this.pendingLen = 0;
      return only;
    }
    const all = p.length === 1 ? p[0] : Buffer.concat(p, this.pendingLen);
    const out = all.subarray(0, n);
    p.length = 0;
    if (all.length > n) p.push(all.subarray(n));
    this.pendingLen = all.length - n;
    return out;
  }

  private async emitFragment(data: Buffer, fin: boolean): Promise<void> {
    let op: number = Opcode.Continuation;
    let rsv1 = false;
    if (!this.started) {
      op = this.binary ? Opcode.Binary : Opcode.Text;
      this.compress = this.wantCompress && wouldCompress(this.conn.deflate, fin ? data.length : Number.MAX_SAFE_INTEGER);
      rsv1 = this.compress;
    }
    const payload = this.compress ? await (this.conn.deflate as MessageCompressor).compress(data, fin) : data;
    this.started = true;
    await writeFragment(this.conn, op, fin, rsv1, payload);
  }
}

/** Whether permessage-deflate would compress a message part of this size. */
function wouldCompress(deflate: MessageCompressor | null, byteLength: number): boolean {
  return deflate !== null && deflate.shouldCompress(byteLength);
}
