/** The hub answered with a value of the wrong shape. Not retried: the same call gives the same answer. */
export class HubReplyError extends Error {
  override readonly name = 'HubReplyError';
  readonly retryable = false;

  constructor(
    readonly method: string,
    detail: string,
  ) {
    super(`The hub's reply to ${method} is not what Koji sends: ${detail}`);
  }
}
