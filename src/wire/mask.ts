/*
 * XOR masking (RFC 6455 §5.3). Short inputs go 4 bytes at a time through an
 * Int32Array view of the aligned middle of the buffer, with the key rotated to
 * the alignment point: Int32 (not Uint32) keeps V8 on small-integer arithmetic.
 * Longer inputs go 64 bytes at a time through a WebAssembly SIMD kernel
 * (mask-simd.ts) when the runtime has one: in place for bytes that lie in a
 * buffer from createReadBuffer, else copied into the kernel's memory and back.
 */
import { kernelOf, SIMD_BLOCK, SIMD_WINDOW, simd } from './mask-simd.js';
import type { SimdKernel } from './mask-simd.js';

const keyBytes = new Uint8Array(4);
const keyWord = new Int32Array(keyBytes.buffer);

/** Below this length a byte loop beats setting up a word view. */
const WORD_THRESHOLD = 24;

/**
 * From this length on the SIMD kernel wins despite copying the bytes into its
 * memory and back (bench/wire.ts: about 1.5x the word loop at 1 KiB, 3x from 4 KiB on).
 */
const SIMD_THRESHOLD = 1024;

/** Load the key, rotated to start at key stream position `pos`, into keyWord (host byte order). */
function rotateKey(key: Uint8Array, pos: number): void {
  keyBytes[0] = key[pos & 3];
  keyBytes[1] = key[(pos + 1) & 3];
  keyBytes[2] = key[(pos + 2) & 3];
  keyBytes[3] = key[(pos + 3) & 3];
}

/**
 * XOR `bytes` in place with the 4-byte `key`. `offset` is the position in the
 * key stream where `bytes` starts (payload bytes already processed), so a payload
 * arriving in several chunks can be unmasked chunk by chunk. Masking twice restores the data.
 */
export function mask(bytes: Uint8Array, key: Uint8Array, offset = 0): void {
  const n = bytes.length;
  if (n >= SIMD_BLOCK) {
    const inPlace = kernelOf(bytes);
    if (inPlace !== null) {
      maskInPlace(inPlace, bytes, key, offset);
      return;
    }
    if (n >= SIMD_THRESHOLD && simd !== null) {
      maskSimd(bytes, key, offset);
      return;
    }
  }
  maskJs(bytes, key, offset);
}

/** The key rotated to key stream position `pos`, as a little-endian i32 (wasm memory order). */
function keyLE(key: Uint8Array, pos: number): number {
  const p = pos & 3;
  return key[p] | (key[(p + 1) & 3] << 8) | (key[(p + 2) & 3] << 16) | (key[(p + 3) & 3] << 24);
}

/** mask() on bytes inside a kernel instance's own memory: no copies. */
function maskInPlace(xor: SimdKernel['xor'], bytes: Uint8Array, key: Uint8Array, offset: number): void {
  const n = bytes.length;
  const whole = n - (n % SIMD_BLOCK);
  xor(bytes.byteOffset, whole, keyLE(key, offset));
  for (let i = whole; i < n; i++) bytes[i] ^= key[(offset + i) & 3];
}

/** mask() in plain JavaScript, 4 bytes at a time: the path below SIMD_THRESHOLD and without SIMD. */
export function maskJs(bytes: Uint8Array, key: Uint8Array, offset = 0): void {
  const n = bytes.length;
  let i = 0;
  if (n >= WORD_THRESHOLD) {
    const head = (4 - (bytes.byteOffset & 3)) & 3;
    for (; i < head; i++) bytes[i] ^= key[(offset + i) & 3];
    rotateKey(key, offset + i);
    const k = keyWord[0];
    const words = (n - i) >>> 2;
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    const unrolled = words & ~3;
    let j = 0;
    for (; j < unrolled; j += 4) {
      w[j] ^= k;
      w[j + 1] ^= k;
      w[j + 2] ^= k;
      w[j + 3] ^= k;
    }
    for (; j < words; j++) w[j] ^= k;
    i += words << 2;
  }
  for (; i < n; i++) bytes[i] ^= key[(offset + i) & 3];
}

/**
 * mask() through the SIMD kernel, a window at a time; the last n % 64 bytes with
 * the byte loop. Only when `simd` is not null.
 */
export function maskSimd(bytes: Uint8Array, key: Uint8Array, offset = 0): void {
  const kernel = simd;
  if (kernel === null) throw new Error('WebAssembly SIMD is not available');
  const n = bytes.length;
  const whole = n - (n % SIMD_BLOCK);
  const k = keyLE(key, offset);
  const mem = kernel.memory;
  for (let at = 0; at < whole; at += SIMD_WINDOW) {
    const len = whole - at < SIMD_WINDOW ? whole - at : SIMD_WINDOW;
    const part = bytes.subarray(at, at + len);
    mem.set(part);
    kernel.xor(0, len, k);
    part.set(len === SIMD_WINDOW ? mem : mem.subarray(0, len));
  }
  for (let i = whole; i < n; i++) bytes[i] ^= key[(offset + i) & 3];
}
