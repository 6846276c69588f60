/** Something asked for is not in the registry. Not worth retrying as is. */
export abstract class NotFoundError extends Error {
  readonly retryable = false;
}
