import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology, controlMessageSchema, type ControlMessage } from '@koji-farm/contracts';
import {
  AMQP_TOPOLOGY,
  AmqpServer,
  type ConsumerHandle,
  type DecodedMessage,
  type InboundMessage,
} from '@koji-farm/messaging';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';

/**
 * Subscribes to `koji.control` through this executor's own exclusive, auto-delete queue
 * (each executor gets every control message); the transport routes each message by its
 * `type` to an `@EventPattern` handler (CancelController). A message that is not a valid
 * control message is acked and logged: nobody could fix it by retrying.
 */
@Injectable()
export class ControlConsumer {
  private consumer?: ConsumerHandle;
  /** Unique per process: the queue dies with its connection, a restart gets a new one. */
  readonly queue: string;

  constructor(
    @Inject(EXECUTOR_CONFIG) config: ExecutorConfig,
    @Inject(AmqpServer) private readonly server: AmqpServer,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
  ) {
    this.queue = `${names.controlExchange}.${config.executorId}.${randomUUID().slice(0, 8)}`;
  }

  async start(): Promise<void> {
    this.consumer = await this.server.consume<ControlMessage>({
      queue: this.queue,
      consume: {
        prefetch: 10,
        exclusive: true,
        // Also after the control exchange was deleted and declared again: its binding went with it.
        declare: async (channel) => {
          await channel.assertExchange(this.names.controlExchange, 'fanout', { durable: true });
          await channel.assertQueue(this.queue, { exclusive: true, autoDelete: true, durable: false });
          await channel.bindQueue(this.queue, this.names.controlExchange, '');
        },
      },
      decode: decodeControlMessage,
      refuse: 'drop',
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.cancel();
  }
}

function decodeControlMessage(message: InboundMessage): DecodedMessage<ControlMessage> {
  let data: unknown;
  try {
    data = JSON.parse(message.content.toString('utf8'));
  } catch {
    return { refused: 'invalid control message: not JSON' };
  }
  const parsed = controlMessageSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { refused: `invalid control message: ${issues}` };
  }
  return { pattern: parsed.data.type, data: parsed.data };
}
