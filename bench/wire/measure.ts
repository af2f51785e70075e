/** Timing for in-process micro-benchmarks: alternated rounds, so drift hits every contender alike. */

/** A contender: `run(iterations)` does that many operations. */
export interface Contender {
  name: string;
  run(iterations: number): void;
}

/** Operations per second of each contender, one sample per round. */
export type Samples = Map<string, number[]>;

/** How many iterations take about `ms` milliseconds (doubling from 1). */
function calibrate(c: Contender, ms: number): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    c.run(n);
    const dt = performance.now() - t0;
    if (dt >= ms / 4 || n >= 2 ** 30) return Math.max(1, Math.round((n * ms) / Math.max(dt, 0.001)));
    n *= 2;
  }
}

/**
 * Warm every contender up, then run `rounds` rounds; each round times every
 * contender once for about `ms` milliseconds, in an order that rotates per round.
 */
export function measure(contenders: readonly Contender[], rounds: number, ms: number): Samples {
  const iterations = contenders.map((c) => {
    calibrate(c, ms);
    return calibrate(c, ms);
  });
  const samples: Samples = new Map(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const i = (j + r) % contenders.length;
      const c = contenders[i];
      const t0 = performance.now();
      c.run(iterations[i]);
      const dt = performance.now() - t0;
      samples.get(c.name)?.push((iterations[i] * 1000) / dt);
    }
  }
  return samples;
}
