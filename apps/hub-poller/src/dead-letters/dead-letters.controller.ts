import { Ctx, EventPattern } from '@nestjs/microservices';
import { AmqpContext, AmqpController } from '@koji-farm/messaging';
import { PollerStatus } from '../poller/poller-status';
import { DEAD_LETTER_PATTERN, DeadLetterConsumer } from './dead-letter-consumer';
import { DeadLetterHandler } from './dead-letter-handler';

/**
 * A dead task message: the leader fails its task on the hub (DeadLetterHandler). Trouble
 * that another try may cure (the hub unreachable, leadership lost) puts the message back
 * and pauses consumption until the next turn of the poll cycle, so one message cannot spin.
 */
@AmqpController()
export class DeadLettersController {
  constructor(
    private readonly handler: DeadLetterHandler,
    private readonly consumer: DeadLetterConsumer,
    private readonly status: PollerStatus,
  ) {}

  @EventPattern(DEAD_LETTER_PATTERN)
  async onDeadLetter(@Ctx() context: AmqpContext): Promise<void> {
    const message = context.getMessage();
    const verdict = this.status.leader ? await this.handler.handle(message, message.channelLost) : 'requeue';
    if (verdict === 'ack') {
      message.ack();
      return;
    }
    // Cancelled before the nack, so the message goes to the next leader (or to us on a
    // later turn) instead of straight back to this consumer.
    await this.consumer.stop();
    message.nack(true);
  }
}
