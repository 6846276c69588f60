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

  start(intervalMs = 20): void {
    this.gc();
    this.baseline = process.memoryUsage().arrayBuffers;
    this.peak = 0;
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Samples now (e.g. from inside a sink, at a chosen point of the stream). */
  sample(): void {
    this.gc();
    this.peak = Math.max(this.peak, process.memoryUsage().arrayBuffers - this.baseline);
  }

  /** Stops sampling; returns the largest growth of live Buffer memory seen, in bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}
