import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology } from '@koji-farm/contracts';
import {
  AMQP_TOPOLOGY,
  AmqpServer,
  declareEventsExchange,
  type ConsumerHandle,
  type DecodedMessage,
  type InboundMessage,
} from '@koji-farm/messaging';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { LeaderLease } from '../lease/leader-lease';

export const EXECUTOR_EVENT_TYPES = ['executor.heartbeat', 'executor.stopped'] as const;

/**
 * Subscribes this poller's own exclusive, auto-delete queue on `koji.events` to executor
 * heartbeats (re-declared after a reconnection); the transport routes each by its type
 * to ExecutorEventsController. A message that is not JSON is acked and logged.
 */
@Injectable()
export class HeartbeatListener {
  private consumer?: ConsumerHandle;
  private readonly queue: string;

  constructor(
    private readonly server: AmqpServer,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    lease: LeaderLease,
    @Inject(HUB_POLLER_CONFIG) config: HubPollerConfig,
  ) {
    this.queue = `${names.eventsExchange}.hub-poller.${config.pollerId}.${lease.instance}`;
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    this.consumer = await this.server.consume<unknown>({
      queue: this.queue,
      consume: {
        prefetch: 100,
        // Also after the events exchange was deleted and declared again: its bindings went with it.
        declare: async (channel) => {
          await declareEventsExchange(channel, this.names);
          await channel.assertQueue(this.queue, { exclusive: true, autoDelete: true, durable: false });
          for (const key of EXECUTOR_EVENT_TYPES)
            await channel.bindQueue(this.queue, this.names.eventsExchange, key);
        },
      },
      decode: decodeEvent,
      refuse: 'drop',
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.cancel();
  }
}

/** An event's pattern is its routing key (the event type); its payload the parsed body. */
function decodeEvent(message: InboundMessage): DecodedMessage<unknown> {
  try {
    return { pattern: message.routingKey, data: JSON.parse(message.content.toString('utf8')) as unknown };
  } catch {
    return { refused: 'an executor event that is not JSON' };
  }
}
