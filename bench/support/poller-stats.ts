/** Nearest-rank percentile of `values` (p in 0..100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: Math.max(...values),
  };
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/**
 * kojid's pickup delay, modelled: the hub's scheduler assigns a host its tasks only
 * inside that host's `host.getTasks()`, which kojid calls once per `sleeptime` when
 * idle; a task created at a random moment waits uniformly between 0 and `sleeptime`
 * for it (plus the hub's RunInterval, ignored here), so p = sleeptime × p/100.
 */
export function kojidPickup(sleeptimeMs: number): Summary & { mean: number } {
  return {
    n: Infinity,
    p50: sleeptimeMs * 0.5,
    p95: sleeptimeMs * 0.95,
    max: sleeptimeMs,
    mean: sleeptimeMs / 2,
  };
}
