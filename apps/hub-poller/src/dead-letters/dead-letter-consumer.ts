import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology } from '@koji-farm/contracts';
import { AMQP_TOPOLOGY, AmqpServer, type ConsumerHandle, declareTaskExchanges } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { POLLER_LOGGER } from '../poller/poller-logger';

/** The pattern every dead task message is routed by (DeadLettersController). */
export const DEAD_LETTER_PATTERN = 'koji.tasks.dead';

/**
 * Consumes `koji.tasks.dead.poller` while this poller leads, one message at a time
 * (ADR 0058); the transport hands each to DeadLettersController. A standby does not
 * consume: the dead letters wait in the queue for whoever leads.
 */
@Injectable()
export class DeadLetterConsumer {
  private consumer?: ConsumerHandle;
  private readonly logger: LoggerLike;

  constructor(
    private readonly server: AmqpServer,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'dead-letters' });
  }

  get consuming(): boolean {
    return this.consumer !== undefined;
  }

  /** Consumes while `leading`, stops otherwise. Called after every turn of the poll cycle. Never throws. */
  async follow(leading: boolean): Promise<void> {
    try {
      if (leading) await this.start();
      else await this.stop();
    } catch (err) {
      this.logger.warn(
        { err, leading },
        'could not start or stop consuming dead letters; next turn tries again',
      );
    }
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    this.consumer = await this.server.consume({
      queue: this.names.tasksDeadPollerQueue,
      consume: { prefetch: 1, beforeConsume: (channel) => declareTaskExchanges(channel, this.names) },
      // Every dead letter goes to the one handler, which reads it whole.
      decode: (message) => ({ pattern: DEAD_LETTER_PATTERN, data: message }),
      refuse: 'drop',
    });
    this.logger.info({ queue: this.names.tasksDeadPollerQueue }, 'consuming dead task messages');
  }

  /** Idempotent. A message being handled may still be settled. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await consumer.cancel();
    this.logger.info('stopped consuming dead task messages');
  }
}
