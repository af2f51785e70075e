/*
 * Socket read buffers that live in the memory of a SIMD masking kernel
 * instance (one instance per buffer, so no buffer ever moves or detaches),
 * and the lookup mask() uses to XOR bytes in them where they lie.
 */
import { instantiate, simdModule } from './mask-simd.js';
import type { SimdKernel } from './mask-simd.js';

/** The XOR function of the instance whose memory each read buffer lies in. */
const owners = new WeakMap<ArrayBufferLike, SimdKernel['xor']>();
let readBuffers = 0;

/** WebAssembly memory grows in pages of this size, so every read buffer's ArrayBuffer is a multiple of it. */
const WASM_PAGE = 65536;

/**
 * The kernel instance whose memory `bytes` lies in, when they lie in a buffer
 * from createReadBuffer; null otherwise (at no cost until a read buffer exists).
 * Memory whose size is not a whole number of wasm pages (Node's 8 KiB Buffer
 * pool, for one) is ruled out before the WeakMap lookup, which costs more.
 */
export function kernelOf(bytes: Uint8Array): SimdKernel['xor'] | null {
  if (readBuffers === 0) return null;
  const memory = bytes.buffer;
  return (memory.byteLength & (WASM_PAGE - 1)) !== 0 ? null : (owners.get(memory) ?? null);
}

/**
 * A buffer of `size` bytes (default 64 KiB) that lives in the memory of its own
 * instance of the SIMD masking kernel, for net.Socket's `onread: { buffer }`
 * option: mask() XORs payload bytes read into it where they lie, with no copy
 * in or out. Like any onread buffer it is overwritten by the next read, so
 * whatever must outlive the read callback has to be copied (and
 * FrameParser.detach() called). Where WebAssembly SIMD is unavailable it is a
 * plain Buffer and mask() takes its usual path.
 */
export function createReadBuffer(size = 64 * 1024): Buffer {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`invalid read buffer size ${size}`);
  if (simdModule === null) return Buffer.allocUnsafe(size);
  const { xor, memory } = instantiate(simdModule, size);
  owners.set(memory.buffer, xor);
  readBuffers++;
  return Buffer.from(memory.buffer, 0, size);
}
