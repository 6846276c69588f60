/**
 * Runs async jobs one at a time, in arrival order. The hub checks callnums in order
 * (a lower one than it has seen is a SequenceError), so a session may have only one
 * request in flight: with two, the second could overtake the first on the wire.
 */
export class SerialLane {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `job` after every job queued before it; a job aborted while queued never runs. */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const result = this.tail.then(() => {
      signal?.throwIfAborted();
      return job();
    });
    // The next job waits for this one to settle, whatever its outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
