import * as crypto from 'node:crypto';

/** The GUID of RFC 6455 §1.3, appended to the client's key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const KEY_LENGTH = 24;
const ACCEPT_LENGTH = 28;

// key bytes go in front of the GUID in one reusable buffer, so the hash is one call over one buffer.
const scratch = Buffer.alloc(KEY_LENGTH + WEBSOCKET_GUID.length);
scratch.write(WEBSOCKET_GUID, KEY_LENGTH, 'latin1');

// one-shot crypto.hash (Node >= 20.12) with a base64 result is the cheapest way to get there
const hashOnce: ((algorithm: string, data: Buffer, outputEncoding: 'base64') => string) | undefined =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (crypto as unknown as { hash: (a: string, d: Buffer, e: 'base64') => string }).hash
    : undefined;

function sha1Base64(data: Buffer): string {
  return hashOnce !== undefined ? hashOnce('sha1', data, 'base64') : crypto.createHash('sha1').update(data).digest('base64');
}

const B64_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(sha1(key + GUID)). */
export function acceptKey(key: string): string {
  if (key.length === KEY_LENGTH) {
    scratch.write(key, 0, 'latin1');
    return sha1Base64(scratch);
  }
  return crypto.createHash('sha1').update(key, 'latin1').update(WEBSOCKET_GUID).digest('base64');
}

/**
 * Writes the 28-byte Sec-WebSocket-Accept value for the 24-byte key held in
 * `key[keyStart, keyStart+24)` into `out` at `offset`.
 */
export function writeAcceptFromBytes(key: Uint8Array, keyStart: number, out: Buffer, offset: number): void {
  for (let i = 0; i < KEY_LENGTH; i++) scratch[i] = key[keyStart + i];
  out.write(sha1Base64(scratch), offset, ACCEPT_LENGTH, 'latin1');
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
