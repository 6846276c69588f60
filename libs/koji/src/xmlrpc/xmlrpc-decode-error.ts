/** Where in the document a decode problem was found (1-based line and column). */
export interface XmlRpcPosition {
  line: number;
  column: number;
}

/**
 * Malformed XML-RPC input: not XML, a wrong root, a missing part, an unknown value tag, a
 * truncated body. The message says what was wrong and where; it never retries.
 */
export class XmlRpcDecodeError extends Error {
  override readonly name = 'XmlRpcDecodeError';
  readonly retryable = false;

  constructor(
    message: string,
    readonly position?: XmlRpcPosition,
    options?: { cause?: unknown },
  ) {
    super(position ? `${message} (line ${position.line}, column ${position.column})` : message, options);
  }
}
