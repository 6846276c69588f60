import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type SessionHandoverMessage, type SessionHandoverReply } from '@koji-farm/contracts';
import { AmqpConnection, AmqpContext, AmqpController } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { AttemptSessions } from './attempt-sessions';

/**
 * `session` on `koji.control` (ADR 0082): a new poller leader hands the attempt this
 * executor runs a subsession of its master session. The attempt carries on with it; the
 * leader hears back on its reply queue (taken, or why not: then it reissues the task).
 * Messages for other executors are acked and ignored. The key is never logged.
 */
@AmqpController()
export class SessionHandoverController {
  private readonly logger: LoggerLike;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(AttemptSessions) private readonly sessions: AttemptSessions,
    @Inject(AmqpConnection) private readonly amqp: AmqpConnection,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'control' });
  }

  @EventPattern('session')
  async onSession(@Payload() handover: SessionHandoverMessage, @Ctx() context: AmqpContext): Promise<void> {
    const executorId = this.config.executorId;
    if (handover.executorId !== executorId) {
      context.getMessage().ack();
      return;
    }
    const { taskId, generation, handoverId } = handover;
    const result = this.sessions.hand(taskId, generation, handover.session);
    const log = { taskId, generation, handoverId, sessionId: handover.session.id };
    if (result.taken)
      this.logger.info(
        { ...log, attempt: result.attempt },
        "took the new leader's session: the attempt carries on",
      );
    else this.logger.warn({ ...log, reason: result.reason }, 'session handover not taken');
    const reply: SessionHandoverReply = {
      v: 1,
      type: 'session-reply',
      handoverId,
      taskId,
      executorId,
      generation,
      taken: result.taken,
      attempt: result.taken ? result.attempt : undefined,
      reason: result.taken ? '' : result.reason,
    };
    try {
      // The default exchange routes by queue name; a poller gone meanwhile makes it unroutable.
      await this.amqp.publish('', handover.replyTo, reply, {
        mandatory: false,
        messageId: `reply-${handoverId}`,
      });
    } catch (err) {
      this.logger.warn(
        { ...log, err },
        'could not answer the session handover; the leader reissues the task',
      );
    }
    context.getMessage().ack();
  }
}
