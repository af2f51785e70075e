import { performance } from 'node:perf_hooks';
import type { FanoutResult } from '../fanout/protocol.js';
import type { ClusterResult } from './protocol.js';

/** Samples kept per round at most: beyond, every delivery still counts, its latency is not kept. */
const MAX_SAMPLES = 1 << 21;

/**
 * Publish-to-delivery latencies of one round. A publication carries the time
 * its publisher sent it (`stamp`), read on one clock since publishers and
 * subscribers live in the same load-generator process.
 */
export class Latencies {
  private samples = new Float64Array(MAX_SAMPLES);
  private n = 0;

  /** The text a publication starts with: its ledger tag and the send time. */
  static stamp(tag: number): string {
    return `${tag}:${performance.now().toFixed(3)}:`;
  }

  /** A delivery of a stamped text: records its latency and returns its tag. */
  delivered(text: string): number {
    const a = text.indexOf(':');
    const b = text.indexOf(':', a + 1);
    if (this.n < MAX_SAMPLES) this.samples[this.n++] = performance.now() - Number(text.slice(a + 1, b));
    return Number(text.slice(0, a));
  }

  /** Forgets the samples so far (those of the connection check). */
  reset(): void {
    this.n = 0;
  }

  /** The ledger's figures with this round's percentiles; starts the next round afresh. */
  result(r: FanoutResult): ClusterResult {
    const sorted = this.samples.subarray(0, this.n).sort();
    const n = this.n;
    const at = (q: number): number => (n === 0 ? Number.NaN : sorted[Math.min(n - 1, Math.floor(q * n))]!);
    this.reset();
    return { ...r, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
}
