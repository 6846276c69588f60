/** The broker could not be reached within the configured attempts at boot. Not retried further. */
export class AmqpConnectError extends Error {
  override readonly name = 'AmqpConnectError';
  readonly retryable = false;

  constructor(
    readonly url: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(
      `Cannot connect to RabbitMQ at ${url} after ${attempts} attempt(s): ${describe(options.cause)}`,
      options,
    );
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
