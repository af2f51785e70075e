// Sec-WebSocket-Accept computed in JavaScript: SHA-1 (FIPS 180-4) of the 24
// key bytes followed by the GUID, base64-encoded straight into the response.
// The message is always 60 bytes, so all but its first 6 words are constant,
// and the padding block's whole message schedule is computed once here. In
// the handshake benchmark this costs less than crypto.hash (a call into
// OpenSSL that sets up its context each time, then a base64 string to copy
// out) and leaves no garbage behind.

/** The GUID of RFC 6455 §1.3, appended to the client's key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');

/** Words 6..15 of the first block: the GUID, then the 0x80 that ends the message. */
const TAIL_WORDS = new Int32Array(10);
{
  const tail = Buffer.alloc(40);
  tail.write(WEBSOCKET_GUID, 0, 'latin1');
  tail[36] = 0x80;
  for (let i = 0; i < 10; i++) TAIL_WORDS[i] = tail.readInt32BE(i * 4);
}

/** The message schedule of the second block: zeros, then the length, 480 bits. */
const PADDING_SCHEDULE = new Int32Array(80);
PADDING_SCHEDULE[15] = 480;
expand(PADDING_SCHEDULE);

const schedule = new Int32Array(80);
const state = new Int32Array(5);
/** The digest's 20 bytes, then a zero that completes the last group of 3 for base64. */
const digest = new Uint8Array(21);

function expand(w: Int32Array): void {
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
    w[t] = (x << 1) | (x >>> 31);
  }
}

// One loop per round function: a branch on the round inside one loop ran at half the speed.
function compress(w: Int32Array, h: Int32Array): void {
  let a = h[0];
  let b = h[1];
  let c = h[2];
  let d = h[3];
  let e = h[4];
  let t = 0;
  for (; t < 20; t++) {
    const next = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w[t] + 0x5a827999) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  for (; t < 40; t++) {
    const next = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[t] + 0x6ed9eba1) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  for (; t < 60; t++) {
    const next = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w[t] + 0x8f1bbcdc) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  for (; t < 80; t++) {
    const next = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[t] + 0xca62c1d6) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
}

/**
 * Writes the 28-byte Sec-WebSocket-Accept value for the 24 key bytes at
 * `key[keyStart]` into `out` at `offset`.
 */
export function writeAccept(key: Uint8Array, keyStart: number, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 6; i++) {
    const p = keyStart + i * 4;
    schedule[i] = (key[p] << 24) | (key[p + 1] << 16) | (key[p + 2] << 8) | key[p + 3];
  }
  schedule.set(TAIL_WORDS, 6);
  expand(schedule);
  state[0] = 0x67452301;
  state[1] = 0xefcdab89;
  state[2] = 0x98badcfe;
  state[3] = 0x10325476;
  state[4] = 0xc3d2e1f0;
  compress(schedule, state);
  compress(PADDING_SCHEDULE, state);
  for (let i = 0; i < 5; i++) {
    const v = state[i];
    digest[i * 4] = v >>> 24;
    digest[i * 4 + 1] = v >>> 16;
    digest[i * 4 + 2] = v >>> 8;
    digest[i * 4 + 3] = v;
  }
  let o = offset;
  // 20 bytes and the zero after them: seven groups of 3 make 28 characters, the last one '='
  for (let i = 0; i < 21; i += 3) {
    const n = (digest[i] << 16) | (digest[i + 1] << 8) | digest[i + 2];
    out[o++] = BASE64[n >>> 18];
    out[o++] = BASE64[(n >>> 12) & 63];
    out[o++] = BASE64[(n >>> 6) & 63];
    out[o++] = BASE64[n & 63];
  }
  out[o - 1] = 0x3d;
}
