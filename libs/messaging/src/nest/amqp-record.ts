import { type PublishOptions } from '../amqp-connection';

/**
 * A message for `AmqpClient.emit` with publish options (headers, message id, whether it
 * must be routable), as Nest's own `RmqRecord` carries them for its RMQ client.
 */
export class AmqpRecord<T = unknown> {
  constructor(
    readonly data: T,
    readonly options: PublishOptions = {},
  ) {}
}
