/** A request parameter did not validate; the message names each bad parameter. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
  }
}
