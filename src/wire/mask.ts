/*
 * XOR masking (RFC 6455 §5.3). From 64 bytes on, a WebAssembly SIMD kernel
 * (mask-simd.ts) XORs 64 bytes per turn: in place for bytes that lie in a
 * buffer from createReadBuffer, else copied into the kernel's memory and back
 * (or, from NATIVE_THRESHOLD on, XORed in place by bufferutil when installed).
 * Shorter inputs, and every input where the runtime has no wasm SIMD, take the
 * JS path: a byte loop unrolled by the key's period, and from 160 bytes 4 bytes
 * at a time through an Int32Array view of the aligned middle of the buffer with
 * the key rotated to the alignment point (Int32, not Uint32, keeps V8 on
 * small-integer arithmetic).
 */
import { nativeMask, nativeUnmask } from './mask-native.js';
import { SIMD_BLOCK, SIMD_WINDOW, simd } from './mask-simd.js';
import type { SimdKernel } from './mask-simd.js';
import { kernelOf } from './read-buffer.js';

const keyBytes = new Uint8Array(4);
const keyWord = new Int32Array(keyBytes.buffer);

/** Below this length the unrolled byte loop beats allocating a word view (JS path only). */
const WORD_THRESHOLD = 160;

/**
 * From this length on the SIMD kernel wins despite copying the bytes into its
 * memory and back: its cost is nearly flat up to 1 KiB (about 35 ns against
 * 80 ns for the byte loop at 125 bytes, 250 ns for the word loop at 1000).
 */
const SIMD_THRESHOLD = 64;

/**
 * From this length on bufferutil, when installed, beats copying through the
 * wasm kernel (bench/wire.ts: 1.3x at 1 KiB, 2x at 1 MiB); below, the call costs more.
 */
const NATIVE_THRESHOLD = 1024;

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
  if (n >= SIMD_THRESHOLD) {
    const inPlace = kernelOf(bytes);
    if (inPlace !== null) {
      maskInPlace(inPlace, bytes, key, offset);
      return;
    }
    if (nativeUnmask !== null && n >= NATIVE_THRESHOLD) {
      maskNative(bytes, key, offset);
      return;
    }
    if (simd !== null) {
      maskSimd(bytes, key, offset);
      return;
    }
  }
  maskJs(bytes, key, offset);
}

/**
 * mask() on `bytes[from, to)`, key stream position 0 at `from`: a range
 * shorter than the SIMD path's threshold is XORed where it lies, without
 * making a view of it (what a client's small frames take).
 */
export function maskRange(bytes: Uint8Array, from: number, to: number, key: Uint8Array): void {
  if (to - from < SIMD_THRESHOLD) maskBytes(bytes, key, -from, from, to);
  else mask(bytes.subarray(from, to), key, 0);
}

/**
 * Write `src` XORed with the key into `dst` at `at`, leaving `src` as it was:
 * an unmask and a copy in one pass over the bytes, for payload that has to be
 * copied anyway (a message that spans reads). `offset` is the key stream
 * position of src[0], as for mask().
 */
export function maskTo(src: Uint8Array, key: Uint8Array, offset: number, dst: Uint8Array, at: number): void {
  const n = src.length;
  if (at < 0 || at + n > dst.length) throw new RangeError(`maskTo: ${n} bytes at ${at} do not fit in ${dst.length}`);
  if (nativeMask !== null && n >= NATIVE_THRESHOLD) {
    nativeMask(src, rotated(key, offset), dst, at, n);
    return;
  }
  if (simd !== null && n >= SIMD_THRESHOLD) {
    maskSimd(src, key, offset, dst, at);
    return;
  }
  const out = dst.subarray(at, at + n);
  out.set(src);
  maskJs(out, key, offset);
}

const nativeKey = new Uint8Array(4);

/** The key rotated to start at key stream position `offset` (bufferutil always starts at position 0). */
function rotated(key: Uint8Array, offset: number): Uint8Array {
  if ((offset & 3) === 0) return key;
  nativeKey[0] = key[offset & 3];
  nativeKey[1] = key[(offset + 1) & 3];
  nativeKey[2] = key[(offset + 2) & 3];
  nativeKey[3] = key[(offset + 3) & 3];
  return nativeKey;
}

/** mask() through bufferutil, which always starts at key position 0: rotate the key first. */
export function maskNative(bytes: Uint8Array, key: Uint8Array, offset = 0): void {
  if (nativeUnmask === null) throw new Error('bufferutil is not available');
  nativeUnmask(bytes, rotated(key, offset));
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
  maskBytes(bytes, key, offset, whole, n);
}

/** mask() in plain JavaScript: the path below SIMD_THRESHOLD and without SIMD. */
export function maskJs(bytes: Uint8Array, key: Uint8Array, offset = 0): void {
  const n = bytes.length;
  if (n < WORD_THRESHOLD) {
    maskBytes(bytes, key, offset, 0, n);
    return;
  }
  const head = (4 - (bytes.byteOffset & 3)) & 3;
  maskBytes(bytes, key, offset, 0, head);
  rotateKey(key, offset + head);
  const k = keyWord[0];
  const words = (n - head) >>> 2;
  const w = new Int32Array(bytes.buffer, bytes.byteOffset + head, words);
  const unrolled = words & ~3;
  let j = 0;
  for (; j < unrolled; j += 4) {
    w[j] ^= k;
    w[j + 1] ^= k;
    w[j + 2] ^= k;
    w[j + 3] ^= k;
  }
  for (; j < words; j++) w[j] ^= k;
  const end = head + (words << 2);
  maskBytes(bytes, key, offset, end, n);
}

/**
 * XOR bytes[from, to) one byte at a time, four per turn with the key in locals;
 * `offset` is the key stream position of bytes[0]. The whole of mask() for a few bytes.
 */
export function maskBytes(bytes: Uint8Array, key: Uint8Array, offset: number, from: number, to: number): void {
  const p = offset + from;
  const k0 = key[p & 3];
  const k1 = key[(p + 1) & 3];
  const k2 = key[(p + 2) & 3];
  const k3 = key[(p + 3) & 3];
  let i = from;
  for (const last = to - 3; i < last; i += 4) {
    bytes[i] ^= k0;
    bytes[i + 1] ^= k1;
    bytes[i + 2] ^= k2;
    bytes[i + 3] ^= k3;
  }
  if (i < to) bytes[i++] ^= k0;
  if (i < to) bytes[i++] ^= k1;
  if (i < to) bytes[i] ^= k2;
}

/** Views of the kernel's memory by length, for copying short inputs back without allocating a view per call. */
const windowViews: Uint8Array[] = [];
const CACHED_VIEWS = 1024;

function windowView(mem: Uint8Array, len: number): Uint8Array {
  if (len === mem.length) return mem;
  if (len >= CACHED_VIEWS) return mem.subarray(0, len);
  let view = windowViews[len];
  if (view === undefined) {
    view = mem.subarray(0, len);
    windowViews[len] = view;
  }
  return view;
}

/**
 * mask() through the SIMD kernel: copy a window into its memory, XOR, copy
 * back (into `dst` from `dstAt` when given, as maskTo does). Only when `simd` is not null.
 */
export function maskSimd(bytes: Uint8Array, key: Uint8Array, offset = 0, dst: Uint8Array = bytes, dstAt = 0): void {
  const kernel = simd;
  if (kernel === null) throw new Error('WebAssembly SIMD is not available');
  const n = bytes.length;
  const k = keyLE(key, offset);
  const mem = kernel.memory;
  for (let at = 0; at < n; at += SIMD_WINDOW) {
    const len = n - at < SIMD_WINDOW ? n - at : SIMD_WINDOW;
    mem.set(len === n ? bytes : bytes.subarray(at, at + len));
    // The kernel takes whole 64-byte blocks: rounding up only XORs scratch bytes past the data.
    kernel.xor(0, (len + SIMD_BLOCK - 1) & -SIMD_BLOCK, k);
    dst.set(windowView(mem, len), dstAt + at);
  }
}
