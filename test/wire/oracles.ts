/**
 * Slow, obviously-correct references the wire layer is checked against. They share no code
 * with src/wire: a bug there cannot hide behind the same bug here.
 */
import { isUtf8 } from 'node:buffer';

/** RFC 6455 §5.3 masking, one byte at a time: out[i] = bytes[i] ^ key[(offset + i) % 4]. */
export function maskReference(bytes: Uint8Array, key: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] ^ key[(offset + i) % 4];
  return out;
}

/**
 * Whether some continuation could still make `bytes` valid UTF-8. Tries the
 * completions that satisfy every lead byte's second-byte range (0x80 fits
 * ED/F4 and plain leads, 0xA0 fits E0/F0), then 0x80s: enough to decide with
 * buffer.isUtf8 alone.
 */
export function isUtf8Prefix(bytes: Uint8Array): boolean {
  if (isUtf8(bytes)) return true;
  for (let k = 1; k <= 3; k++) {
    for (const first of [0x80, 0xa0]) {
      const tail = new Uint8Array(k).fill(0x80);
      tail[0] = first;
      const candidate = new Uint8Array(bytes.length + k);
      candidate.set(bytes);
      candidate.set(tail, bytes.length);
      if (isUtf8(candidate)) return true;
    }
  }
  return false;
}

/** Concatenate byte arrays into one new Uint8Array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Split bytes at the given cut points (any order, duplicates and out-of-range cuts ignored). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const c of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, c));
    from = c;
  }
  return pieces;
}
