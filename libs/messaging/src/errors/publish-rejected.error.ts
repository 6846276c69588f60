/** The broker answered a publish with a nack: the message was not taken. */
export class PublishRejectedError extends Error {
  override readonly name = 'PublishRejectedError';
  readonly retryable = true;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(`RabbitMQ refused (nack) a message to exchange "${exchange}" with routing key "${routingKey}"`);
  }
}
