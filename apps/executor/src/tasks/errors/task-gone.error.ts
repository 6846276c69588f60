/**
 * The task is no longer this attempt's to finish: the hub refused its session (the
 * poller's master session was replaced and the task reissued) while it ran. Nothing more
 * is sent to the hub; the message is acked.
 */
export class TaskGoneError extends Error {
  override readonly name = 'TaskGoneError';
  readonly retryable = false;

  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Task is gone: ${reason}`, options);
  }
}
