/*
 * bufferutil, ws's optional native masking addon, used for long inputs when
 * the application has it installed (as ws does): on bytes that do not lie in
 * a read buffer, its in-place SIMD loop beats copying them through the wasm
 * kernel. Nothing depends on it; ZWIRE_NO_BUFFER_UTIL=1 turns it off.
 */
import { localRequire } from './local-require.js';

/** bufferutil's unmask: XOR `buffer` in place with the 4-byte key, from key position 0. */
export type NativeUnmask = (buffer: Uint8Array, key: Uint8Array) => void;

/** bufferutil's mask: write `source` XOR the key (from key position 0) into `output` at `offset`, `length` bytes. */
export type NativeMask = (source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number, length: number) => void;

interface BufferUtil {
  mask: NativeMask;
  unmask: NativeUnmask;
}

function load(): BufferUtil | null {
  if (process.env.ZWIRE_NO_BUFFER_UTIL) return null;
  try {
    const addon = localRequire('bufferutil') as BufferUtil;
    // Without a prebuilt binary bufferutil falls back to a JS byte loop, slower than ours.
    const fallback = localRequire('bufferutil/fallback.js') as BufferUtil;
    return addon.unmask === fallback.unmask ? null : addon;
  } catch {
    return null;
  }
}

const addon = load();

/** bufferutil's native unmask, or null when it is not installed, not built, or turned off. */
export const nativeUnmask: NativeUnmask | null = addon?.unmask ?? null;

/** bufferutil's native masking copy, under the same conditions. */
export const nativeMask: NativeMask | null = addon?.mask ?? null;
