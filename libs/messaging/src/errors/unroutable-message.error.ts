/**
 * A mandatory message matched no queue: without this error it would be silently dropped.
 * Usually means a queue was not declared (for example no executor serves that arch yet).
 */
export class UnroutableMessageError extends Error {
  override readonly name = 'UnroutableMessageError';
  readonly retryable = false;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(
      `No queue is bound to exchange "${exchange}" for routing key "${routingKey}": the message was returned`,
    );
  }
}
