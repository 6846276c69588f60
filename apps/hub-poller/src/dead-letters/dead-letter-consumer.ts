import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology } from '@koji-farm/contracts';
import {
  AMQP_TOPOLOGY,
  AmqpConnection,
  type ConsumerHandle,
  declareTaskExchanges,
  type InboundMessage,
} from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { PollerStatus } from '../poller/poller-status';
import { DeadLetterHandler } from './dead-letter-handler';

/**
 * Consumes `koji.tasks.dead.poller` while this poller leads, one message at a time
 * (ADR 0058). A standby does not consume: the dead letters wait in the queue for
 * whoever leads. Trouble that another try may cure (the hub unreachable, leadership
 * lost) puts the message back and pauses consumption until the next turn of the
 * poll cycle, so one message cannot spin.
 */
@Injectable()
export class DeadLetterConsumer {
  private consumer?: ConsumerHandle;
  private readonly logger: LoggerLike;

  constructor(
    private readonly amqp: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    private readonly handler: DeadLetterHandler,
    private readonly status: PollerStatus,
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
    this.consumer = await this.amqp.consume(this.names.tasksDeadPollerQueue, (m) => this.onMessage(m), {
      prefetch: 1,
      beforeConsume: (channel) => declareTaskExchanges(channel, this.names),
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

  private async onMessage(message: InboundMessage): Promise<void> {
    const verdict = this.status.leader ? await this.handler.handle(message, message.channelLost) : 'requeue';
    if (verdict === 'ack') {
      message.ack();
      return;
    }
    // Cancelled before the nack, so the message goes to the next leader (or to us on a
    // later turn) instead of straight back to this consumer.
    await this.stop();
    message.nack(true);
  }
}
