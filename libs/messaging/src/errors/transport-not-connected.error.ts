/**
 * A subscription was started on an AmqpServer that has no handlers: the app was not
 * connected to the transport (`connectAmqpTransport` / `createAmqpMicroservice`), so
 * every message would be refused.
 */
export class TransportNotConnectedError extends Error {
  override readonly name = 'TransportNotConnectedError';

  constructor(readonly queue: string) {
    super(
      `cannot consume ${queue}: no handler is registered on the AMQP transport; ` +
        'connect the app with connectAmqpTransport(app) or createAmqpMicroservice(module) before it starts',
    );
  }
}
