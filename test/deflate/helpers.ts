import { expect } from 'vitest';
import zlib from 'node:zlib';
import { PerMessageDeflate, type DeflateOptions, type DeflateParams } from '../../src/deflate/index.js';

export const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export function params(p: Partial<DeflateParams> = {}): DeflateParams {
  return { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, ...p };
}

/** A server engine and a client engine over the same parameters. */
export function pair(p: Partial<DeflateParams> = {}, opts: DeflateOptions = {}): { server: PerMessageDeflate; client: PerMessageDeflate } {
  const all = params(p);
  return { server: new PerMessageDeflate(all, 'server', opts), client: new PerMessageDeflate(all, 'client', opts) };
}

/** Deterministic pseudo-random bytes. */
export function randomBytes(n: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** JSON-like text of about n bytes with realistic repetition. */
export function jsonText(n: number, seed = 1): Buffer {
  const parts: string[] = [];
  let i = seed;
  let len = 0;
  while (len < n) {
    const s = JSON.stringify({ id: i, name: `user-${(i * 7919) % 1000}`, active: i % 3 === 0, score: (i * 37) % 101, tags: ['a', 'bb', 'ccc'].slice(0, i % 4) });
    parts.push(s);
    len += s.length + 1;
    i++;
  }
  return Buffer.from(parts.join(',').slice(0, n));
}

/**
 * The receiving end as ws and most peers implement it: one long-lived zlib raw inflater per connection,
 * the tail appended to each message. Window bits as given.
 */
export class ReferenceInflater {
  private readonly s: zlib.InflateRaw;
  private chunks: Buffer[] = [];
  constructor(windowBits = 15) {
    this.s = zlib.createInflateRaw({ windowBits });
    this.s.on('data', (c: Buffer) => this.chunks.push(c));
  }
  message(data: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.s.once('error', onError);
      this.s.write(data);
      this.s.write(TAIL);
      this.s.flush(() => {
        this.s.off('error', onError);
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }
  close(): void {
    this.s.close();
  }
}

/** The sending end as ws implements it: one long-lived raw deflater, sync flush, tail stripped. */
export class ReferenceDeflater {
  private readonly s: zlib.DeflateRaw;
  private chunks: Buffer[] = [];
  constructor(windowBits = 15) {
    this.s = zlib.createDeflateRaw({ windowBits });
    this.s.on('data', (c: Buffer) => this.chunks.push(c));
  }
  message(data: Uint8Array): Promise<Buffer> {
    return new Promise((resolve) => {
      this.s.write(data);
      this.s.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out.subarray(0, out.length - 4));
      });
    });
  }
  close(): void {
    this.s.close();
  }
}

/** Byte equality without a deep element-by-element diff (slow on large buffers). */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}
