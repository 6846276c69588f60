/**
 * The hub answered, but not with a usable XML-RPC reply: not XML, an HTML error page,
 * an empty 200, a reply over the size cap, a truncated body, a result of the wrong
 * shape. Not retryable: the message says what was wrong.
 */
export class HubProtocolError extends Error {
  override readonly name = 'HubProtocolError';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
