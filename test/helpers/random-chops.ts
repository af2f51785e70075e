/** Reproducible random TCP chop sizes for RawPeer.chopper, seeded by a string (e.g. a case id). */

/** xorshift32 seeded from the string's FNV-1a hash: same seed, same sequence. */
export function seededRandom(seed: string): () => number {
  let x = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) x = Math.imul(x ^ seed.charCodeAt(i), 0x01000193);
  if (x === 0) x = 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/**
 * Small pieces (1-9 bytes: splits inside headers, masks and code points) for short writes;
 * up to 2 KiB for long ones, so a 256 KiB write stays a few hundred pieces.
 */
export function randomChopper(seed: string): (remaining: number) => number {
  const rnd = seededRandom(seed);
  return (remaining) => 1 + Math.floor(rnd() * (remaining > 4096 ? 2048 : 9));
}
