import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const FIGURES_DIR = join(__dirname, '..', '..', '..', '.tmp', 'reliability');

/**
 * Prints a scenario's figure (what docs/reliability.md quotes) and appends it to
 * `.tmp/reliability/figures.jsonl` with the time, so the last run's figures can be read back.
 */
export function printFigure(scenario: string, figure: string, data: Record<string, unknown> = {}): void {
  console.log(`[figure] ${scenario}: ${figure}`);
  mkdirSync(FIGURES_DIR, { recursive: true });
  appendFileSync(
    join(FIGURES_DIR, 'figures.jsonl'),
    `${JSON.stringify({ at: new Date().toISOString(), scenario, figure, ...data })}\n`,
  );
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
