import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology, executorHeartbeatEvent, executorStoppedEvent } from '@koji-farm/contracts';
import {
  AMQP_TOPOLOGY,
  AmqpConnection,
  declareEventsExchange,
  type ConsumerHandle,
  type InboundMessage,
} from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { LeaderLease } from '../lease/leader-lease';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { CapacityTracker } from './capacity-tracker';

const ROUTING_KEYS = ['executor.heartbeat', 'executor.stopped'] as const;

/**
 * Feeds executor heartbeats to the CapacityTracker through this poller's own exclusive,
 * auto-delete queue on `koji.events` (re-declared after a reconnection).
 */
@Injectable()
export class HeartbeatListener {
  private consumer?: ConsumerHandle;
  private readonly queue: string;
  private readonly logger: LoggerLike;

  constructor(
    private readonly amqp: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    private readonly tracker: CapacityTracker,
    lease: LeaderLease,
    @Inject(HUB_POLLER_CONFIG) config: HubPollerConfig,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.queue = `${names.eventsExchange}.hub-poller.${config.pollerId}.${lease.instance}`;
    this.logger = logger.child({ component: 'heartbeats' });
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    this.consumer = await this.amqp.consume(this.queue, (message) => this.onMessage(message), {
      prefetch: 100,
      beforeConsume: async (channel) => {
        await declareEventsExchange(channel, this.names);
        await channel.assertQueue(this.queue, { exclusive: true, autoDelete: true, durable: false });
        for (const key of ROUTING_KEYS) await channel.bindQueue(this.queue, this.names.eventsExchange, key);
      },
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.cancel();
  }

  private onMessage(message: InboundMessage): Promise<void> {
    try {
      const body: unknown = JSON.parse(message.content.toString('utf8'));
      const heartbeat = executorHeartbeatEvent.safeParse(body);
      if (heartbeat.success) this.tracker.onHeartbeat(heartbeat.data);
      else {
        const stopped = executorStoppedEvent.safeParse(body);
        if (stopped.success) this.tracker.onStopped(stopped.data.executorId);
        else
          this.logger.warn(
            { routingKey: message.routingKey },
            'ignored an executor event that does not match its schema',
          );
      }
    } catch (err) {
      this.logger.warn({ err, routingKey: message.routingKey }, 'ignored an executor event that is not JSON');
    }
    message.ack();
    return Promise.resolve();
  }
}
