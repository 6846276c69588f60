/**
 * This poller does not (or no longer provably) hold the leader lease: it must not touch
 * the hub's host calls, the task queues or the in-flight set. It steps down; a later
 * loop may win the lease again.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
