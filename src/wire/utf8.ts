import { isUtf8 } from 'node:buffer';

/**
 * Below this many bytes a JavaScript loop beats the call into buffer.isUtf8
 * (short text frames, close reasons).
 */
const SMALL_INPUT = 32;

/** Whole-buffer UTF-8 validation (strict: no overlongs, surrogates or code points above U+10FFFF). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < SMALL_INPUT) {
    let i = 0;
    while (i < n && bytes[i] < 0x80) i++;
    if (i === n) return true;
  }
  return isUtf8(bytes);
}

/**
 * Incremental UTF-8 validator for text arriving in fragments. `write` returns
 * false as soon as the bytes seen so far can no longer be the prefix of valid
 * UTF-8 (fail fast, RFC 6455 §8.1), and accepts code points split across calls.
 * Complete sequences are checked with `buffer.isUtf8` (SIMD); only the few bytes
 * around a chunk boundary, and short inputs, go through the byte-wise state machine.
 */
export class Utf8Validator {
  /** Continuation bytes still expected for the current code point. */
  private need = 0;
  /** Allowed range of the next continuation byte (narrower right after E0, ED, F0, F4). */
  private lo = 0x80;
  private hi = 0xbf;
  private failed = false;

  /** Feed bytes[start, end). Returns false once the stream is invalid (and keeps returning false). */
  write(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    if (this.failed) return false;
    let i = start;
    if (end - start < SMALL_INPUT) {
      if (this.need === 0) {
        while (i < end && bytes[i] < 0x80) i++;
        if (i === end) return true;
      }
      for (; i < end; i++) {
        const b = bytes[i];
        if ((b >= 0x80 || this.need !== 0) && !this.step(b)) return this.fail();
      }
      return true;
    }
    while (this.need > 0 && i < end) {
      if (!this.step(bytes[i++])) return this.fail();
    }
    if (i >= end) return true;
    const boundary = completeUpTo(bytes, i, end);
    if (boundary > i && !isUtf8(i === 0 && boundary === bytes.length ? bytes : bytes.subarray(i, boundary))) {
      return this.fail();
    }
    for (i = boundary; i < end; i++) {
      if (!this.step(bytes[i])) return this.fail();
    }
    return true;
  }

  /** The message ended: valid only if no code point is left incomplete. */
  end(): boolean {
    // Between code points the state is already the initial one: only a bad ending needs a reset.
    if (!this.failed && this.need === 0) return true;
    this.reset();
    return false;
  }

  /** Forget all state, ready for a new message. */
  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
    this.failed = false;
  }

  private fail(): false {
    this.failed = true;
    return false;
  }

  private step(b: number): boolean {
    if (this.need > 0) {
      if (b < this.lo || b > this.hi) return false;
      this.need--;
      this.lo = 0x80;
      this.hi = 0xbf;
      return true;
    }
    if (b < 0x80) return true;
    if (b < 0xc2) return false;
    if (b < 0xe0) {
      this.need = 1;
    } else if (b < 0xf0) {
      this.need = 2;
      if (b === 0xe0) this.lo = 0xa0;
      else if (b === 0xed) this.hi = 0x9f;
    } else if (b < 0xf5) {
      this.need = 3;
      if (b === 0xf0) this.lo = 0x90;
      else if (b === 0xf4) this.hi = 0x8f;
    } else {
      return false;
    }
    return true;
  }
}

/**
 * The index up to which bytes[start, end) holds only whole sequences: a lead
 * byte near the end whose sequence is cut off moves the boundary before it.
 */
function completeUpTo(bytes: Uint8Array, start: number, end: number): number {
  let p = end - 1;
  const stop = Math.max(start, end - 4);
  while (p >= stop && (bytes[p] & 0xc0) === 0x80) p--;
  if (p < stop) return end;
  const b = bytes[p];
  const len = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
  return end - p < len ? p : end;
}
