import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc()`, reachable without starting node with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Measures how much Buffer memory stays *alive* while an operation runs: samples
 * `arrayBuffers` right after a forced garbage collection, so garbage that is merely not
 * collected yet does not count. A streaming operation keeps this near its chunk size; one
 * that holds the whole payload grows by the payload's size.
 */
export class MemoryProbe {
  private readonly gc = exposeGc();
  private baseline = 0;
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  /**
   * Samples about every `intervalMs`, but never spends more than a fifth of the time in
   * forced collections: in a jest worker whose heap holds many suites' modules one full
   * GC can take tens of milliseconds, and back-to-back collections would starve the very
   * stream being measured (a 1 s copy then took over a minute).
   */
  start(intervalMs = 20): void {
    this.gc();
    this.baseline = process.memoryUsage().arrayBuffers;
    this.peak = 0;
    this.running = true;
    const next = (gcMs: number) => {
      if (!this.running) return;
      this.timer = setTimeout(() => next(this.timedSample()), Math.max(intervalMs, gcMs * 4));
    };
    next(0);
  }

  /** Samples now (e.g. from inside a sink, at a chosen point of the stream). */
  sample(): void {
    this.gc();
    this.peak = Math.max(this.peak, process.memoryUsage().arrayBuffers - this.baseline);
  }

  /** Stops sampling; returns the largest growth of live Buffer memory seen, in bytes. */
  stop(): number {
    this.running = false;
    clearTimeout(this.timer);
    this.sample();
    return this.peak;
  }

  private timedSample(): number {
    const started = performance.now();
    this.sample();
    return performance.now() - started;
  }
}
