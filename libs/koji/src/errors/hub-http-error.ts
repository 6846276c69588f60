/**
 * The hub answered with an HTTP status other than 200 that is not a gateway failure
 * (400 for an empty body, 405 for a GET, 403, 500...). Not retryable.
 */
export class HubHttpError extends Error {
  override readonly name = 'HubHttpError';
  readonly retryable = false;

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
