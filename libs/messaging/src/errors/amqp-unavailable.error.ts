/**
 * The connection or channel went away before the broker confirmed an operation (or the
 * connection is closed for good). Worth retrying once the connection is back.
 */
export class AmqpUnavailableError extends Error {
  override readonly name = 'AmqpUnavailableError';
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
