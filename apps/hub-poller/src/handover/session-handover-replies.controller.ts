import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { sessionHandoverReplySchema } from '@koji-farm/contracts';
import { AmqpContext, AmqpController } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { SessionHandover } from './session-handover';

/** Executors' answers to session handovers, from this poller's reply queue; each acked at once. */
@AmqpController()
export class SessionHandoverRepliesController {
  private readonly logger: LoggerLike;

  constructor(
    private readonly handover: SessionHandover,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'handover' });
  }

  @EventPattern('session-reply')
  onReply(@Payload() body: unknown, @Ctx() context: AmqpContext): void {
    const reply = sessionHandoverReplySchema.safeParse(body);
    if (reply.success) this.handover.onReply(reply.data);
    else this.logger.warn('ignored a session handover reply that does not match its schema');
    context.getMessage().ack();
  }
}
