/** The request could not be read at all: the hub answers HTTP 400 with this text. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}
