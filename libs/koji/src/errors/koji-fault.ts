/** Context a client adds to a fault: which call raised it. */
export interface KojiFaultOptions {
  /** The hub method that faulted (never its arguments: they may hold secrets). */
  method?: string;
  /**
   * How many times the request was sent (> 1 after connection retries). A `RetryError`
   * with `attempts > 1` means the first attempt reached the hub and committed.
   */
  attempts?: number;
  cause?: unknown;
}

/**
 * A fault the hub returned: the call reached the hub and failed there. Faults are
 * never retried by the client (the call ran, or was refused on purpose); the subclass
 * tells what kind of failure it was. Unknown codes stay a plain `KojiFault` that keeps
 * the code and the text.
 */
export class KojiFault extends Error {
  override name = 'KojiFault';
  /** Whether doing the same thing again later may succeed. */
  readonly retryable: boolean = false;
  readonly method?: string;
  readonly attempts: number;

  constructor(
    readonly faultCode: number,
    readonly faultString: string,
    options: KojiFaultOptions = {},
  ) {
    super(`${faultString} (Koji fault ${faultCode}${options.method ? ` from ${options.method}` : ''})`, {
      cause: options.cause,
    });
    this.method = options.method;
    this.attempts = options.attempts ?? 1;
  }
}
