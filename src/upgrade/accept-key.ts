import * as crypto from 'node:crypto';
import { WEBSOCKET_GUID, writeAccept } from './accept-sha1.js';

export { WEBSOCKET_GUID };

const KEY_LENGTH = 24;
const ACCEPT_LENGTH = 28;

const B64_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(sha1(key + GUID)). */
export function acceptKey(key: string): string {
  if (key.length === KEY_LENGTH) {
    const out = Buffer.allocUnsafe(ACCEPT_LENGTH);
    writeAccept(Buffer.from(key, 'latin1'), 0, out, 0);
    return out.toString('latin1');
  }
  return crypto.createHash('sha1').update(key, 'latin1').update(WEBSOCKET_GUID).digest('base64');
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
