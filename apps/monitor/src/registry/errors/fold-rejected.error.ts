/**
 * Redis refused to fold one event (the script raised an error for it). The event is
 * skipped rather than retried: retrying would fail the same way and stall the stream.
 */
export class FoldRejectedError extends Error {
  override readonly name = 'FoldRejectedError';
  readonly retryable = false;

  constructor(
    readonly eventType: string,
    readonly eventId: string,
    options: { cause: unknown },
  ) {
    super(
      `Redis refused to fold ${eventType} event ${eventId}: ${String((options.cause as Error)?.message)}`,
      options,
    );
  }
}
