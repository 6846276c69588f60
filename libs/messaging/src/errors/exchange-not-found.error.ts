/**
 * The broker closed the publish channel because the exchange does not exist (404
 * NOT_FOUND; someone deleted it): the message was not taken. The connection declares its
 * topology again, so a retry may go through.
 */
export class ExchangeNotFoundError extends Error {
  override readonly name = 'ExchangeNotFoundError';
  readonly retryable = true;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(
      `RabbitMQ has no exchange "${exchange}" (deleted?); the message with routing key "${routingKey}" was not taken`,
    );
  }
}
