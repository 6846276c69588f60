/**
 * An upload went wrong on our side of the protocol: an invalid name or path, a chunk
 * whose size or adler32 the hub reports differently, a `checkUpload` that disagrees
 * with what was sent, a local file that cannot be read. Not retryable as such: the
 * caller decides whether to upload the whole file again.
 */
export class UploadError extends Error {
  override readonly name = 'UploadError';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
