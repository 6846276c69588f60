import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { ContainerManager } from '@koji-farm/container';
import { type TaskMessage } from '@koji-farm/contracts';
import { type KojiValue } from '@koji-farm/koji';
import { type InboundMessage } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { EventPublisher } from '../events/event-publisher';
import { LogChunkBatcher } from '../events/log-chunk-batcher';
import { TaskEventStream } from '../events/task-event-stream';
import { TaskHub } from '../hub/task-hub';
import { TASK_STATE, TASK_STATE_NAMES } from '../hub/hub-schemas';
import { StepRunner } from '../steps/step-runner';
import { TaskLogs } from '../steps/task-logs';
import { AttemptSession } from './attempt-session';
import { errorText } from './errors/error-text';
import { TaskGoneError } from './errors/task-gone.error';
import { TaskTimeoutError } from './errors/task-timeout.error';
import { type TaskContext } from './handler/task-context';
import { type PoolKind } from './pool-kind';
import { PODMAN_RESTARTS_PER_ATTEMPT, PodmanOutage } from './podman-outage';
import { RunningTask } from './running-task';
import { RunningTasks } from './running-tasks';
import { AttemptSessions } from '../control/attempt-sessions';
import { type AttemptLease } from './lease/attempt-lease';
import { type SettledState, TaskSettler } from './task-settler';
import { outcomeOf, type TaskOutcome } from './task-outcome';

/** Where a task's files go on the hub (`tasks/<id % 10000>/<id>`, kojid's getUploadPath). */
export function taskUploadPath(taskId: number): string {
  return `tasks/${taskId % 10000}/${taskId}`;
}

/** Calls a task's handler with the attempt's context. */
export type RunHandler = (context: TaskContext) => Promise<KojiValue>;

/**
 * Runs one delivery of a valid task message: the attempt's hub session, the handler with
 * its events, logs and steps, the task timeout, then settles the outcome with the hub and
 * the broker (TaskSettler). Never throws: every path ends with the message settled.
 */
@Injectable()
export class TaskRunner {
  private readonly logger: LoggerLike;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
    @Inject(RunningTasks) private readonly running: RunningTasks,
    @Inject(TaskSettler) private readonly settler: TaskSettler,
    @Inject(PodmanOutage) private readonly podman: PodmanOutage,
    @Inject(AttemptSessions) private readonly sessions: AttemptSessions,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'task-runner' });
  }

  /**
   * @param handler the task's `@KojiMethod` handler, called with the attempt's context
   * @param pool the slots the task takes (container tasks upload logs; orchestration tasks only wait)
   */
  async run(
    task: TaskMessage,
    delivery: InboundMessage,
    handler: RunHandler,
    pool: PoolKind,
    admitted: { lease: AttemptLease; generation: number },
  ): Promise<void> {
    const { lease, generation } = admitted;
    const attempt = lease.attempt;
    const logger = this.logger.child({ taskId: task.taskId, attempt, method: task.method });
    // The attempt's buildroots, followed from its events (heartbeats list them).
    const attemptRef: { task?: RunningTask } = {};
    const events = new TaskEventStream(
      this.publisher,
      { executorId: this.config.executorId, taskId: task.taskId, attempt },
      logger,
      (draft) => {
        if (draft.type === 'buildroot.state') attemptRef.task?.noteBuildroot(draft.brootId, draft.state);
      },
    );
    const started = performance.now();
    const current = new RunningTask(task.taskId, attempt, generation, task.method, task.weight, pool);
    current.deliveredBy(delivery);
    attemptRef.task = current;
    this.running.add(current);
    events.emit({ type: 'task.received', method: task.method, arch: task.arch, parentId: task.parentId });
    // The delivery count is not the attempt (the lease's is): a message a cancelled
    // consumer was being sent comes back counted without having run.
    logger.info(
      { queue: delivery.queue, priority: task.priority, generation, deliveryCount: delivery.deliveryCount },
      'task received',
    );

    const workDir = join(this.config.workDir, `${task.taskId}-${attempt}-${randomBytes(3).toString('hex')}`);
    const batcher = new LogChunkBatcher((log, offset, data) =>
      events.emit({ type: 'log.chunk', log, offset, data }),
    );
    const logs = new TaskLogs(join(workDir, 'logs'), batcher);
    const timer = setTimeout(
      () => current.abort(new TaskTimeoutError(this.config.timeouts.taskMs)),
      this.config.timeouts.taskMs,
    );
    // A broker blip does not stop the attempt (its redelivery is adopted, ADR 0083);
    // another executor holding the task's lease does (this one's expired).
    const onLeaseLost = () => current.abort(lease.lost.reason as Error);
    if (lease.lost.aborted) onLeaseLost();
    else lease.lost.addEventListener('abort', onLeaseLost, { once: true });
    // The background log uploads double as a session watchdog: when the hub refuses the
    // attempt's session and no leader handed it another within HUB_HANDOVER_WAIT (ADR
    // 0082: the task was reissued instead), the work stops.
    const watchdog = setInterval(() => {
      const refused = logs.sessionRefused();
      if (refused)
        current.abort(
          new TaskGoneError(`the hub refused the attempt's session: ${refused.message}`, { cause: refused }),
        );
    }, this.config.logUploadIntervalMs);
    let session: AttemptSession | undefined;
    let outcome: TaskOutcome;
    try {
      // The attempt number orders the first calls of successive attempts on the message's
      // session (ADR 0061): it only grows per task (the lease's counter).
      session = await AttemptSession.open(task, attempt, {
        retries: this.config.hub.retries,
        retryIntervalMs: this.config.hub.retryIntervalMs,
        logger,
        handoverWaitMs: this.config.hub.handoverWaitMs,
        registry: this.sessions,
        generation,
        attempt,
      });
      outcome = await this.work(task, attempt, handler, { session, current, events, logs, logger, workDir });
    } catch (err) {
      outcome = outcomeOf(err, current.signal);
    } finally {
      clearTimeout(timer);
      clearInterval(watchdog);
      lease.lost.removeEventListener('abort', onLeaseLost);
    }

    let state: SettledState = 'requeued';
    try {
      // The message this attempt settles: its own, or a redelivery it adopted.
      const settling = current.beginSettling() ?? delivery;
      state = await this.settler.settle({
        task,
        attempt,
        delivery: settling,
        outcome,
        session,
        logs,
        events,
        logger,
        started,
        fence: () => lease.fence(),
        signal: current.signal,
      });
    } finally {
      // Settled on the hub: the lease marks this generation done, so a leftover message
      // is dropped; requeued: it frees the task for the next attempt at once.
      if (outcome.kind !== 'lost') await lease.end(state === 'requeued' ? undefined : state);
      await session
        ?.close(outcome.kind !== 'canceled' && outcome.kind !== 'lost')
        .catch((err: unknown) => logger.warn({ err }, 'closing the hub session failed'));
      await rm(workDir, { recursive: true, force: true }).catch((err: unknown) =>
        logger.warn({ err, workDir }, 'could not remove the work directory'),
      );
      this.running.remove(current);
      current.markDone();
      await events.flush();
    }
  }

  private async work(
    task: TaskMessage,
    attempt: number,
    handler: RunHandler,
    parts: {
      session: AttemptSession;
      current: RunningTask;
      events: TaskEventStream;
      logs: TaskLogs;
      logger: LoggerLike;
      workDir: string;
    },
  ): Promise<TaskOutcome> {
    const { session, current, events, logs, logger, workDir } = parts;
    const hub = new TaskHub(session.client, current.signal);
    const info = await hub.getTaskInfo(task.taskId);
    if (info.state !== TASK_STATE.OPEN) {
      return {
        kind: 'gone',
        reason: `the task is ${TASK_STATE_NAMES[info.state] ?? info.state} on the hub, not OPEN`,
      };
    }
    // A parent task (orchestration) makes no buildroot and, as with kojid, uploads no logs.
    const container = current.pool === 'container';
    if (container && attempt > 1) await this.expireEarlierBuildroots(hub, task.taskId, events, logger);
    if (container) {
      logs.startUploads({
        client: session.client,
        path: taskUploadPath(task.taskId),
        intervalMs: this.config.logUploadIntervalMs,
        logger,
      });
    }
    events.emit({ type: 'task.started', method: task.method, arch: task.arch });
    if (container) {
      await logs.note(
        'root.log',
        `task ${task.taskId} (${task.method}) attempt ${attempt} on executor ${this.config.executorId}`,
      );
    } else {
      logger.info({ executorId: this.config.executorId }, 'parent task started');
    }
    for (let restarts = 0; ; restarts++) {
      try {
        const result = await handler({
          taskId: task.taskId,
          attempt,
          method: task.method,
          arch: task.arch,
          parentId: task.parentId,
          request: task.request,
          hub: session.client,
          topurl: task.hub.topurl,
          signal: current.signal,
          logger,
          events,
          steps: new StepRunner(this.containers, events, current.signal, logger),
          logs,
          workDir,
          uploadPath: taskUploadPath(task.taskId),
        });
        return { kind: 'closed', result };
      } catch (err) {
        const outcome = outcomeOf(err, current.signal);
        const podmanTrouble = outcome.kind === 'retry' && outcome.podman === true;
        if (!container || !podmanTrouble || restarts >= PODMAN_RESTARTS_PER_ATTEMPT) throw err;
        const reason = errorText(err);
        if (
          !(await this.podman.waitOut(
            { taskId: task.taskId, attempt, signal: current.signal },
            reason,
            logger,
          ))
        )
          throw err;
        // The first try's buildroot is of no use now; the hub's list must not keep it BUILDING.
        await this.expireEarlierBuildroots(hub, task.taskId, events, logger);
        await logs.note('root.log', `Podman was unreachable (${reason}); starting the task over`);
      }
    }
  }

  /** A task that starts over (a redelivery, a Podman outage) expires the buildroots it made before. */
  private async expireEarlierBuildroots(
    hub: TaskHub,
    taskId: number,
    events: TaskEventStream,
    logger: LoggerLike,
  ) {
    const open = await hub.buildrootsOfTask(taskId, [0, 1, 2]);
    for (const broot of open) {
      await hub.setBuildRootState(broot.id, 'EXPIRED');
      events.emit({ type: 'buildroot.state', brootId: broot.id, state: 'EXPIRED' });
      logger.info({ brootId: broot.id }, 'expired a buildroot of an earlier attempt');
    }
  }
}
