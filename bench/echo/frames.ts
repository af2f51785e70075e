// A minimal client-side frame builder and decoder, independent of src/, so the
// load generator measures our server with code that shares none of its bugs.

/** Opcodes the load generator sends. */
export const TEXT = 1;
export const BINARY = 2;

const MASK_KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** One masked client frame (FIN set) carrying `payload`. */
export function maskedFrame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const header = 2 + lenBytes + 4;
  const frame = Buffer.allocUnsafe(header + len);
  frame[0] = 0x80 | opcode;
  if (lenBytes === 0) frame[1] = 0x80 | len;
  else if (lenBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  MASK_KEY.copy(frame, 2 + lenBytes);
  for (let i = 0; i < len; i++) frame[header + i] = payload[i] ^ MASK_KEY[i & 3];
  return frame;
}

/**
 * A payload of exactly `size` bytes. Text payloads mix 1-, 2-, 3- and 4-byte
 * UTF-8 sequences (padded with ASCII) so servers' UTF-8 validation does real work.
 */
export function makePayload(size: number, text: boolean): Buffer {
  if (!text) {
    const bytes = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
    return bytes;
  }
  const pattern = Buffer.from('zwire é ü € 中文 🚀 ', 'utf8');
  const out = Buffer.alloc(size, 0x61);
  let at = 0;
  while (at + pattern.length <= size) at += pattern.copy(out, at);
  return out;
}

/** A decoded frame, payload unmasked (the raw echo peer sends masked frames back). */
export interface DecodedFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
  /** Bytes the frame occupied. */
  size: number;
}

/** Decode one whole frame at the start of `bytes`, or null when incomplete. */
export function decodeFrame(bytes: Buffer): DecodedFrame | null {
  if (bytes.length < 2) return null;
  let len = bytes[1] & 0x7f;
  let at = 2;
  if (len === 126) {
    if (bytes.length < 4) return null;
    len = bytes.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    if (bytes.length < 10) return null;
    len = Number(bytes.readBigUInt64BE(2));
    at = 10;
  }
  const masked = (bytes[1] & 0x80) !== 0;
  const key = masked ? bytes.subarray(at, at + 4) : null;
  if (masked) at += 4;
  if (bytes.length < at + len) return null;
  const payload = Buffer.from(bytes.subarray(at, at + len));
  if (key) for (let i = 0; i < len; i++) payload[i] ^= key[i & 3];
  return { fin: (bytes[0] & 0x80) !== 0, opcode: bytes[0] & 0x0f, payload, size: at + len };
}
