/**
 * Hand-built WebSocket frames for tests. Written byte by byte from RFC 6455 section 5.2 and
 * deliberately independent of src/wire, so a bug in the library's codec cannot hide behind the
 * same bug in the test's codec.
 */
import { randomBytes } from 'node:crypto';

export const OP = { cont: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  /** Defaults to true. */
  fin?: boolean;
  /** RSV bits as Autobahn numbers them: 4 = RSV1, 2 = RSV2, 1 = RSV3. */
  rsv?: number;
  /** true: a random key; a 4-byte array: that key; false: unmasked. */
  mask?: boolean | Uint8Array;
}

export function toBytes(data: Uint8Array | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** One complete frame: header, extended length, masking key and (masked) payload. */
export function buildFrame(spec: FrameSpec): Buffer {
  const payload = toBytes(spec.payload ?? '');
  const fin = spec.fin ?? true;
  const rsv = spec.rsv ?? 0;
  const key = spec.mask === true ? randomBytes(4) : spec.mask instanceof Uint8Array ? spec.mask : null;
  if (key && key.length !== 4) throw new RangeError('mask key must be 4 bytes');
  const len = payload.length;
  const extLen = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const out = Buffer.alloc(2 + extLen + (key ? 4 : 0) + len);
  out[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (spec.opcode & 0x0f);
  const lenField = extLen === 0 ? len : extLen === 2 ? 126 : 127;
  out[1] = (key ? 0x80 : 0) | lenField;
  let pos = 2;
  if (extLen === 2) {
    out[pos++] = (len >>> 8) & 0xff;
    out[pos++] = len & 0xff;
  } else if (extLen === 8) {
    const high = Math.floor(len / 0x100000000);
    const low = len >>> 0;
    for (const word of [high, low]) {
      out[pos++] = (word >>> 24) & 0xff;
      out[pos++] = (word >>> 16) & 0xff;
      out[pos++] = (word >>> 8) & 0xff;
      out[pos++] = word & 0xff;
    }
  }
  if (key) {
    for (let i = 0; i < 4; i++) out[pos++] = key[i];
    for (let i = 0; i < len; i++) out[pos + i] = payload[i] ^ key[i & 3];
  } else {
    payload.copy(out, pos);
  }
  return out;
}

/** A close frame payload: 2-byte big-endian code then the reason bytes (not validated on purpose). */
export function closePayload(code?: number, reason: Uint8Array | string = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const r = toBytes(reason);
  const out = Buffer.alloc(2 + r.length);
  out[0] = (code >>> 8) & 0xff;
  out[1] = code & 0xff;
  r.copy(out, 2);
  return out;
}

/** Splits bytes into pieces of at most `size` bytes (the last may be shorter). */
export function chop(bytes: Uint8Array, size: number): Buffer[] {
  const b = toBytes(bytes);
  const pieces: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) pieces.push(b.subarray(i, Math.min(b.length, i + size)));
  return pieces;
}

/** `count` bytes made by repeating `pattern`, as Autobahn's payload_len does. */
export function repeatTo(pattern: string | Uint8Array | number[], count: number): Buffer {
  const p = Array.isArray(pattern) ? Buffer.from(pattern) : toBytes(pattern);
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i += p.length) p.copy(out, i, 0, Math.min(p.length, count - i));
  return out;
}
