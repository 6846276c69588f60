/** A call on a KojiClient after `close()`: a bug in the caller's lifecycle. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
  readonly retryable = false;

  constructor() {
    super('this KojiClient is closed');
  }
}
