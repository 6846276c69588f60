import { Inject, Injectable } from '@nestjs/common';
import { isOrchestrationMethod } from '@koji-farm/contracts';
import { type LoggerLike } from '@koji-farm/observability';
import { type FarmCapacity, type Unsupported } from '../capacity/farm-capacity';
import { PollerMetrics } from '../health/poller-metrics';
import { HubGateway } from '../hub/hub-gateway';
import { type AssignedTask } from '../hub/hub-replies.schema';
import { TASK_STATE } from '../hub/koji-states';
import { PollerEvents } from '../messaging/poller-events';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { InFlightStore } from '../state/in-flight-store';
import { endsLoop } from './ends-loop';
import { TaskIssuer } from './task-issuer';

export interface TakeOptions {
  capacity: FarmCapacity;
  /** Tasks cancelled in this loop: their old work must stop before they are taken again. */
  released: ReadonlySet<number>;
  /** Checked between tasks: shutdown stops taking at once. */
  stopping: () => boolean;
  signal?: AbortSignal;
}

/**
 * Protocol §4 steps 5–6: `host.getTasks()`, then, best first, refuses softly what no
 * live executor offers, chooses as many as there are free slots (orchestration tasks
 * against their own slots) and hands them to the TaskIssuer as one batch; the rest stay
 * ASSIGNED for a later loop.
 */
@Injectable()
export class TaskTaker {
  private readonly logger: LoggerLike;

  constructor(
    private readonly hub: HubGateway,
    private readonly issuer: TaskIssuer,
    private readonly inFlight: InFlightStore,
    private readonly metrics: PollerMetrics,
    private readonly events: PollerEvents,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'taker' });
  }

  /** Returns how many tasks were queued. */
  async take({ capacity, released, stopping, signal }: TakeOptions): Promise<number> {
    const assigned = await this.hub.getTasks(signal);
    const chosen: AssignedTask[] = [];
    let waiting = 0;
    for (const task of assigned) {
      if (stopping() || signal?.aborted) return 0;
      const log = this.logger.child({ taskId: task.id, method: task.method });
      if (this.inFlight.has(task.id) || released.has(task.id)) {
        log.info('task reassigned to this host while its earlier work is being settled; later');
        continue;
      }
      if (task.state !== TASK_STATE.ASSIGNED || task.host_id !== this.hub.hostId) {
        log.error(
          { state: task.state, hostId: task.host_id },
          'host.getTasks listed a task not assigned here',
        );
        continue;
      }
      const orchestration = isOrchestrationMethod(task.method);
      const unsupported = capacity.unsupported(task.method, task.arch, orchestration);
      if (unsupported) {
        await this.refuse(task, unsupported, log, signal);
        continue;
      }
      if (!capacity.hasRoomFor(task.arch, orchestration)) {
        waiting++;
        continue;
      }
      capacity.take(task.arch, orchestration);
      chosen.push(task);
    }
    if (waiting > 0) this.logger.debug({ waiting }, 'assigned tasks wait for free slots');
    if (stopping()) return 0;
    return this.issuer.issueAll(chosen, signal);
  }

  private async refuse(
    task: AssignedTask,
    why: NonNullable<Unsupported>,
    log: LoggerLike,
    signal?: AbortSignal,
  ) {
    try {
      await this.hub.refuseTask(task.id, true, why.message, signal);
      this.metrics.tasksRefused.inc({ reason: why.reason });
      log.info({ arch: task.arch, reason: why.message }, 'task refused softly');
      await this.events.taskRefused({
        taskId: task.id,
        method: task.method,
        arch: task.arch,
        soft: true,
        reason: why.message,
      });
    } catch (err) {
      if (endsLoop(err, signal)) throw err;
      log.error({ err }, 'could not refuse the task; it stays assigned for a later loop');
    }
  }
}
