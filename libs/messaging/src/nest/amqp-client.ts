import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { type AmqpConnection, type PublishOptions } from '../amqp-connection';
import { AmqpRecord } from './amqp-record';

/**
 * Nest's `ClientProxy` over `AmqpConnection`, for one exchange: `emit(routingKey, data)`
 * publishes there and the returned observable completes once the broker confirmed the
 * message (it errors with libs/messaging's UnroutableMessageError, PublishRejectedError
 * or AmqpUnavailableError). Wrap data in an `AmqpRecord` for headers, a message id or a
 * non-mandatory publish. Request/response (`send`) is not offered: koji-farm's messages
 * are one-way, results go to the Koji hub.
 */
export class AmqpClient extends ClientProxy {
  constructor(
    private readonly connection: AmqpConnection,
    readonly exchange: string,
    private readonly defaults: PublishOptions = {},
  ) {
    super();
  }

  /** The connection is shared and opened by MessagingModule; nothing to do. */
  connect(): Promise<AmqpConnection> {
    return Promise.resolve(this.connection);
  }

  /** The connection belongs to MessagingModule, which closes it at shutdown. */
  close(): void {}

  unwrap<T>(): T {
    return this.connection as T;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const record = packet.data instanceof AmqpRecord ? packet.data : new AmqpRecord(packet.data);
    await this.connection.publish(this.exchange, String(packet.pattern), record.data, {
      ...this.defaults,
      ...record.options,
    });
    return undefined as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({
      err: new Error(`request/response is not offered on ${this.exchange}: use emit()`),
      isDisposed: true,
    });
    return () => undefined;
  }
}
