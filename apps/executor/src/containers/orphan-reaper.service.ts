import { Inject, Injectable } from '@nestjs/common';
import {
  ATTEMPT_LABEL,
  ContainerManager,
  type ContainerSummary,
  EXECUTOR_LABEL,
  TASK_LABEL,
} from '@koji-farm/container';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { RunningTasks } from '../tasks/running-tasks';
import { NAMESPACE_LABEL, namespaceLabelValue } from './container-labels';
import { ExecutorStateStore } from './executor-state.store';

export interface ReapReport {
  removed: Array<{ containerId: string; executorId: string; taskId: string; why: string }>;
}

/**
 * Removes containers nobody works in any more, at start and every REAPER_INTERVAL: this
 * executor's containers whose task attempt it is not running (left by a crash of an
 * earlier incarnation with the same EXECUTOR_ID), and containers of executors of the same
 * farm whose heartbeats stopped (their alive key expired). A failed task's container kept
 * for debugging is spared until its TTL ends. Only containers with this farm's namespace
 * label and the configured extra labels are looked at.
 */
@Injectable()
export class OrphanReaper {
  private readonly logger: LoggerLike;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
    @Inject(ExecutorStateStore) private readonly state: ExecutorStateStore,
    @Inject(RunningTasks) private readonly tasks: RunningTasks,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'reaper' });
  }

  async start(): Promise<void> {
    await this.reapQuietly();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass. Throws only when the containers cannot be listed or Redis cannot be read. */
  async reapOnce(): Promise<ReapReport> {
    const found = await this.containers.listByLabel({
      ...this.config.containers.labels,
      [EXECUTOR_LABEL]: true,
      [NAMESPACE_LABEL]: namespaceLabelValue(this.config.amqp.namespace),
    });
    if (found.length === 0) return { removed: [] };
    const kept = await this.state.keptAmong(found.map((c) => c.id));
    const others = [...new Set(found.map(ownerOf).filter((id) => id !== this.config.executorId))];
    const alive = await this.state.aliveAmong(others);
    const report: ReapReport = { removed: [] };
    for (const container of found) {
      const why = this.orphaned(container, kept, alive);
      if (!why) continue;
      try {
        if (await this.containers.remove(container, { force: true })) {
          report.removed.push({
            containerId: container.id,
            executorId: ownerOf(container),
            taskId: container.labels[TASK_LABEL] ?? '',
            why,
          });
          this.logger.info(
            {
              containerId: container.id,
              executorId: ownerOf(container),
              taskId: container.labels[TASK_LABEL],
              why,
            },
            'removed an orphaned container',
          );
        }
      } catch (err) {
        this.logger.warn({ err, containerId: container.id }, 'could not remove an orphaned container');
      }
    }
    return report;
  }

  private orphaned(container: ContainerSummary, kept: Set<string>, alive: Set<string>): string | undefined {
    if (kept.has(container.id)) return undefined;
    const owner = ownerOf(container);
    if (owner === this.config.executorId) {
      const taskId = Number(container.labels[TASK_LABEL]);
      const attempt = Number(container.labels[ATTEMPT_LABEL]);
      return this.tasks.isRunning(taskId, attempt)
        ? undefined
        : 'its task attempt is not running on this executor';
    }
    return alive.has(owner) ? undefined : `executor ${owner} stopped sending heartbeats`;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.reapQuietly().finally(() => this.schedule());
    }, this.config.reaper.intervalMs);
  }

  private async reapQuietly(): Promise<void> {
    try {
      await this.reapOnce();
    } catch (err) {
      this.logger.warn({ err }, 'orphan reaper pass failed; will try again');
    }
  }
}

function ownerOf(container: ContainerSummary): string {
  return container.labels[EXECUTOR_LABEL] ?? '';
}
