/**
 * The request did not get an answer: connection refused or reset, a timeout, or the
 * proxy in front of the hub answered 502/503/504. Retryable: the client resends the
 * same request with the same callnum (the hub detects a replay of a committed call).
 */
export class HubConnectionError extends Error {
  override readonly name = 'HubConnectionError';
  readonly retryable = true;

  constructor(
    message: string,
    /** The low-level code (`ECONNREFUSED`, `UND_ERR_SOCKET`, `HTTP_503`...). */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
