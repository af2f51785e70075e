import zlib from 'node:zlib';
import { DeflateError } from './errors.js';

/** The empty stored block a sender strips from each message and a receiver appends (RFC 7692 §7.2.2). */
export const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

const EMPTY = Buffer.alloc(0);

/** DeflateError for a zlib failure on peer data (invalid deflate stream). */
export function dataError(cause: unknown): DeflateError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DeflateError('ERR_DEFLATE_DATA', 1007, `invalid compressed data: ${detail}`, { cause });
}

/** DeflateError for a message whose inflated size passes the limit. */
export function tooBigError(limit: number): DeflateError {
  return new DeflateError('ERR_MESSAGE_TOO_BIG', 1009, `inflated message exceeds ${limit} bytes`);
}

interface Pending {
  resolve(out: Buffer): void;
  reject(err: DeflateError): void;
}

/**
 * Inflates the fragments of one message on the zlib thread pool. Output is counted as zlib hands it over
 * (64 KiB at a time), so a message passing `limit` is stopped there, whatever its compressed size.
 */
export class StreamingInflater {
  private readonly stream: zlib.InflateRaw;
  private total = 0;
  private chunks: Buffer[] = [];
  private pending: Pending | null = null;
  private error: DeflateError | null = null;

  constructor(dictionary: Buffer | null, private readonly limit: number) {
    this.stream = zlib.createInflateRaw({
      windowBits: 15,
      flush: zlib.constants.Z_SYNC_FLUSH,
      chunkSize: 64 * 1024,
      ...(dictionary !== null ? { dictionary } : {}),
    });
    this.stream.on('data', (chunk: Buffer) => this.onData(chunk));
    // Stays attached for the stream's whole life: zlib may report errors after close().
    this.stream.on('error', (err: Error) => this.fail(dataError(err)));
  }

  /** Inflates one fragment (appending the tail when `fin`); resolves with the output it produced. */
  write(data: Uint8Array, fin: boolean): Promise<Buffer> {
    if (this.error !== null) return Promise.reject(this.error);
    if (data.length === 0 && !fin) return Promise.resolve(EMPTY);
    return new Promise<Buffer>((resolve, reject) => {
      this.pending = { resolve, reject };
      const done = (): void => this.settle();
      if (fin) {
        if (data.length > 0) this.stream.write(data);
        this.stream.write(TAIL, done);
      } else {
        this.stream.write(data, done);
      }
    });
  }

  /** Fails any pending write with `reason` and frees the zlib context. */
  close(reason?: DeflateError): void {
    this.fail(reason ?? new DeflateError('ERR_DEFLATE_CLOSED', 1011, 'inflater closed'));
  }

  private onData(chunk: Buffer): void {
    if (this.error !== null) return;
    this.total += chunk.length;
    if (this.total > this.limit) {
      this.fail(tooBigError(this.limit));
      return;
    }
    this.chunks.push(chunk);
  }

  private settle(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    if (this.error !== null) {
      p.reject(this.error);
      return;
    }
    const out = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    p.resolve(out);
  }

  private fail(err: DeflateError): void {
    if (this.error !== null) return;
    this.error = err;
    this.chunks = [];
    this.stream.close();
    this.settle();
  }
}
