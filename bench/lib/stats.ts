/** Summary of a sample of measurements. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Half the max-min range relative to the median (0.05 = ±5 %); 0 for fewer than two values. */
  spread: number;
  n: number;
}

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, extremes and relative spread of the finite values. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, spread: 0, n: 0 };
  const med = median(finite);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const spread = finite.length > 1 && med !== 0 ? (max - min) / 2 / Math.abs(med) : 0;
  return { median: med, min, max, spread, n: finite.length };
}

/**
 * Median of per-round ratios a[i] / b[i]. Rounds alternate servers, so pairing
 * each round's values cancels slow drift (other load on the machine) better
 * than a ratio of two medians.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) if (b[i] !== 0) ratios.push(a[i] / b[i]);
  return median(ratios);
}
