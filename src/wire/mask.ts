/*
 * XOR masking (RFC 6455 §5.3). Bytes are processed 4 at a time through an
 * Int32Array view of the aligned middle of the buffer, with the key rotated to
 * the alignment point: Int32 (not Uint32) keeps V8 on small-integer arithmetic.
 */

const keyBytes = new Uint8Array(4);
const keyWord = new Int32Array(keyBytes.buffer);

/** Below this length a byte loop beats setting up a word view. */
const WORD_THRESHOLD = 24;

/**
 * XOR `bytes` in place with the 4-byte `key`. `offset` is the position in the
 * key stream where `bytes` starts (payload bytes already processed), so a payload
 * arriving in several chunks can be unmasked chunk by chunk. Masking twice restores the data.
 */
export function mask(bytes: Uint8Array, key: Uint8Array, offset = 0): void {
  const n = bytes.length;
  let i = 0;
  if (n >= WORD_THRESHOLD) {
    const head = (4 - (bytes.byteOffset & 3)) & 3;
    for (; i < head; i++) bytes[i] ^= key[(offset + i) & 3];
    const s = offset + i;
    keyBytes[0] = key[s & 3];
    keyBytes[1] = key[(s + 1) & 3];
    keyBytes[2] = key[(s + 2) & 3];
    keyBytes[3] = key[(s + 3) & 3];
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
