import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type CancelMessage } from '@koji-farm/contracts';
import { AmqpContext, AmqpController } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { RunningTasks } from '../tasks/running-tasks';

/** `cancel` on `koji.control`: stops the named task if it runs here. */
@AmqpController()
export class CancelController {
  private readonly logger: LoggerLike;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(RunningTasks) private readonly running: RunningTasks,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'control' });
  }

  @EventPattern('cancel')
  onCancel(@Payload() cancel: CancelMessage, @Ctx() context: AmqpContext): void {
    const { taskId, reason } = cancel;
    const wasRunning = this.running.cancel(taskId, reason);
    this.logger.info({ taskId, reason, wasRunning, executorId: this.config.executorId }, 'cancel received');
    context.getMessage().ack();
  }
}
