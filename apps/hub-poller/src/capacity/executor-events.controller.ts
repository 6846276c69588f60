import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { executorHeartbeatEvent, executorStoppedEvent } from '@koji-farm/contracts';
import { AmqpContext, AmqpController } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { CapacityTracker } from './capacity-tracker';

/** Executor heartbeats and stops feed the CapacityTracker; each message is acked at once. */
@AmqpController()
export class ExecutorEventsController {
  private readonly logger: LoggerLike;

  constructor(
    private readonly tracker: CapacityTracker,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'heartbeats' });
  }

  @EventPattern('executor.heartbeat')
  onHeartbeat(@Payload() body: unknown, @Ctx() context: AmqpContext): void {
    const heartbeat = executorHeartbeatEvent.safeParse(body);
    if (heartbeat.success) this.tracker.onHeartbeat(heartbeat.data);
    else this.ignore(context);
    context.getMessage().ack();
  }

  @EventPattern('executor.stopped')
  onStopped(@Payload() body: unknown, @Ctx() context: AmqpContext): void {
    const stopped = executorStoppedEvent.safeParse(body);
    if (stopped.success) this.tracker.onStopped(stopped.data.executorId);
    else this.ignore(context);
    context.getMessage().ack();
  }

  private ignore(context: AmqpContext): void {
    this.logger.warn(
      { routingKey: context.getPattern() },
      'ignored an executor event that does not match its schema',
    );
  }
}
