import { setTimeout as delay } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ContainerManager } from '@koji-farm/container';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_LOGGER } from './executor-logger';
import { EXECUTOR_CONFIG, type ExecutorConfig } from './config/executor.config';
import { OrphanReaper } from './containers/orphan-reaper.service';
import { ControlConsumer } from './control/control-consumer.service';
import { HealthChecks } from './health/health-checks.service';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { TaskIntake } from './intake/task-intake.service';
import { TaskCanceledError } from './tasks/errors/task-canceled.error';
import { RunningTasks } from './tasks/running-tasks';

/**
 * Starts the executor's parts in a safe order and stops them on SIGTERM:
 * start: topology → health checks (Podman, disk) → heartbeat (the farm and other reapers see us) → reaper pass (our own
 * leftovers from a crash go first) → control → task intake.
 * stop: no new tasks → running tasks get SHUTDOWN_GRACE to finish → the rest are stopped,
 * their containers removed and their messages requeued → executor.stopped.
 */
@Injectable()
export class ExecutorLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: LoggerLike;
  private stopping?: Promise<void>;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(TaskIntake) private readonly intake: TaskIntake,
    @Inject(ControlConsumer) private readonly control: ControlConsumer,
    @Inject(HeartbeatService) private readonly heartbeat: HeartbeatService,
    @Inject(HealthChecks) private readonly health: HealthChecks,
    @Inject(OrphanReaper) private readonly reaper: OrphanReaper,
    @Inject(RunningTasks) private readonly running: RunningTasks,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'executor' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.intake.declareTopology();
    // The first heartbeat already says whether Podman and the disk let it take tasks.
    await this.health.start();
    await this.heartbeat.start();
    await this.reaper.start();
    await this.control.start();
    // Podman answers /version slowly (it runs conmon, runc, ... and reads the storage
    // status): ask now so that the first build's hw_info.log finds it known.
    void this.containers.version().catch(() => undefined);
    await this.intake.start();
    this.logger.info({ executorId: this.config.executorId }, 'executor ready');
  }

  beforeApplicationShutdown(signal?: string): Promise<void> {
    this.stopping ??= this.shutdown(signal ?? 'shutdown');
    return this.stopping;
  }

  private async shutdown(signal: string): Promise<void> {
    await step(this.logger, 'stop consuming', () => this.intake.stopConsuming());
    const graceMs = this.config.timeouts.shutdownGraceMs;
    const busy = this.running.all();
    if (busy.length > 0) {
      this.logger.info(
        { running: busy.map((t) => t.taskId), graceMs },
        'waiting for running tasks to finish',
      );
      const allDone = Promise.all(busy.map((t) => t.done));
      const abort = new AbortController();
      const finished = await Promise.race([
        allDone.then(() => true),
        delay(graceMs, false, { signal: abort.signal }).catch(() => false),
      ]);
      abort.abort();
      if (!finished) {
        const left = this.running.all();
        this.logger.warn(
          { tasks: left.map((t) => t.taskId) },
          'grace period over; requeueing the tasks still running',
        );
        for (const task of left)
          task.abort(
            new TaskCanceledError(`executor ${this.config.executorId} is shutting down (${signal})`, true),
          );
        await Promise.all(left.map((t) => t.done));
      }
    }
    await step(this.logger, 'stop control', () => this.control.stop());
    await step(this.logger, 'stop reaper', () => this.reaper.stop());
    await step(this.logger, 'stop health checks', () => this.health.stop());
    await step(this.logger, 'stop heartbeat', () => this.heartbeat.stop(signal));
  }
}

async function step(logger: LoggerLike, what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    logger.warn({ err }, `shutdown step failed: ${what}`);
  }
}
