/** The request carries no valid API token or dashboard session. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  readonly retryable = false;

  constructor(message = 'a valid Authorization: Bearer token is required') {
    super(message);
  }
}
