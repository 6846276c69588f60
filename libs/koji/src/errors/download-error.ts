/**
 * A file could not be fetched from `topurl`: a status other than 200 (404 names the
 * URL), a body shorter or longer than expected ("got N of M bytes"), a broken
 * connection. `retryable` is true for connection failures, 5xx and truncation, false
 * for 4xx and size mismatches against the caller's expectation.
 */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';

  constructor(
    message: string,
    readonly url: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
