/**
 * stats turns latency samples into the figures the benchmark prints: count, p50, p99, max (nearest-rank
 * percentiles over every sample, no histogram bucketing).
 */

/** LatencySummary is a latency distribution in milliseconds; undefined fields mean no samples. */
export interface LatencySummary {
  count: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  maxMs: number | undefined;
}

/** percentile is the nearest-rank q-quantile (0 < q ≤ 1) of ascending sorted samples. */
export function percentile(sorted: Float64Array, q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** summarize merges sample arrays (e.g. one per load worker) and summarizes them. */
export function summarize(parts: readonly (Float64Array | readonly number[])[]): LatencySummary {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  all.sort();
  return { count: total, p50Ms: percentile(all, 0.5), p99Ms: percentile(all, 0.99), maxMs: total === 0 ? undefined : all[total - 1] };
}

/** median is the middle of the defined values (the mean of the two middle ones for an even count). */
export function median(xs: readonly (number | undefined)[]): number | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1]! + v[mid]!) / 2;
}
