/** Small statistics over samples (milliseconds, usually). */

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest rank: the smallest sample with at least p% of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export const median = (samples: number[]): number => percentile(samples, 50);
export const sum = (samples: number[]): number => samples.reduce((a, b) => a + b, 0);

export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
  total: number;
}

export function summarize(samples: number[]): Summary {
  return {
    n: samples.length,
    median: round(median(samples)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(Math.max(...samples)),
    total: round(sum(samples)),
  };
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Milliseconds since `start` (from `process.hrtime.bigint()`). */
export function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function rate(count: number, ms: number): number {
  return ms > 0 ? round((count * 1000) / ms, 0) : NaN;
}
