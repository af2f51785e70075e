import * as crypto from 'node:crypto';

/** The GUID of RFC 6455 §1.3, appended to the client's key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const KEY_LENGTH = 24;
const ACCEPT_LENGTH = 28;

// key bytes go in front of the GUID in one reusable buffer, so the hash is one call over one buffer.
const scratch = Buffer.alloc(KEY_LENGTH + WEBSOCKET_GUID.length);
scratch.write(WEBSOCKET_GUID, KEY_LENGTH, 'latin1');

const hashOnce: ((algorithm: string, data: Buffer, outputEncoding: 'buffer') => Buffer) | undefined =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (crypto as unknown as { hash: (a: string, d: Buffer, e: 'buffer') => Buffer }).hash
    : undefined;

function sha1(data: Buffer): Buffer {
  return hashOnce !== undefined ? hashOnce('sha1', data, 'buffer') : crypto.createHash('sha1').update(data).digest();
}

const B64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
const B64_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64[i]] = i;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(sha1(key + GUID)). */
export function acceptKey(key: string): string {
  const out = Buffer.allocUnsafe(ACCEPT_LENGTH);
  if (key.length === KEY_LENGTH) {
    scratch.write(key, 0, 'latin1');
    writeAccept(scratch, out, 0);
  } else {
    writeBase64(crypto.createHash('sha1').update(key, 'latin1').update(WEBSOCKET_GUID).digest(), out, 0);
  }
  return out.toString('latin1', 0, ACCEPT_LENGTH);
}

/**
 * Writes the 28-byte Sec-WebSocket-Accept value for the 24-byte key held in
 * `key[keyStart, keyStart+24)` into `out` at `offset`, without building strings.
 */
export function writeAcceptFromBytes(key: Uint8Array, keyStart: number, out: Buffer, offset: number): void {
  scratch.set(key.subarray(keyStart, keyStart + KEY_LENGTH), 0);
  writeAccept(scratch, out, offset);
}

function writeAccept(keyAndGuid: Buffer, out: Buffer, offset: number): void {
  writeBase64(sha1(keyAndGuid), out, offset);
}

// 20 digest bytes -> 28 base64 characters (6 full groups, then 2 bytes with one '=').
function writeBase64(d: Uint8Array, out: Buffer, o: number): void {
  let i = 0;
  for (; i + 3 <= 18; i += 3) {
    const n = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    out[o++] = B64[n >>> 18];
    out[o++] = B64[(n >>> 12) & 63];
    out[o++] = B64[(n >>> 6) & 63];
    out[o++] = B64[n & 63];
  }
  const n = (d[18] << 16) | (d[19] << 8);
  out[o++] = B64[n >>> 18];
  out[o++] = B64[(n >>> 12) & 63];
  out[o++] = B64[(n >>> 6) & 63];
  out[o] = 0x3d;
}

/**
 * True when `bytes[start, end)` is the canonical base64 encoding of 16 bytes:
 * 22 alphabet characters whose last one carries no stray bits, then "==".
 */
export function isValidKeyBytes(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== KEY_LENGTH || bytes[end - 1] !== 0x3d || bytes[end - 2] !== 0x3d) return false;
  for (let i = start; i < end - 2; i++) if (B64_VALUE[bytes[i]] < 0) return false;
  return (B64_VALUE[bytes[end - 3]] & 0x0f) === 0;
}

/** True when `key` is a valid Sec-WebSocket-Key (canonical base64 of 16 bytes). */
export function isValidKey(key: string): boolean {
  if (key.length !== KEY_LENGTH || key.charCodeAt(22) !== 0x3d || key.charCodeAt(23) !== 0x3d) return false;
  for (let i = 0; i < 22; i++) {
    const c = key.charCodeAt(i);
    if (c > 0xff || B64_VALUE[c] < 0) return false;
  }
  return (B64_VALUE[key.charCodeAt(21)] & 0x0f) === 0;
}

/** A fresh random Sec-WebSocket-Key (client side). */
export function generateKey(): string {
  return crypto.randomBytes(16).toString('base64');
}
