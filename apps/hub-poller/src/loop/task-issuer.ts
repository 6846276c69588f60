import { Inject, Injectable } from '@nestjs/common';
import { type SessionCredentials } from '@koji-farm/koji';
import { UnroutableMessageError } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { CapacityTracker } from '../capacity/capacity-tracker';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { TaskNotTransportableError } from '../errors/task-not-transportable.error';
import { PollerMetrics } from '../health/poller-metrics';
import { HubGateway } from '../hub/hub-gateway';
import { type AssignedTask, type TaskInfoWithRequest } from '../hub/hub-replies.schema';
import { TASK_STATE } from '../hub/koji-states';
import { LeaderLease } from '../lease/leader-lease';
import { PollerEvents } from '../messaging/poller-events';
import { TaskPublisher } from '../messaging/task-publisher';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { InFlightStore } from '../state/in-flight-store';
import { type InFlightTask } from '../state/in-flight-task';
import { endsLoop } from './ends-loop';
import { settleAll } from './settle-all';
import { buildTaskMessage } from './task-message-builder';
import { type OpenAttempt, TaskOpener } from './task-opener';

/**
 * Task messages awaiting their broker confirm at once. libs/messaging adds a `close`
 * listener to the shared confirm channel per pending publish; Node warns past 10.
 */
const PUBLISH_CONCURRENCY = 5;

interface Dispatch {
  info: TaskInfoWithRequest;
  weight: number;
  session: SessionCredentials;
  /** A first opening (handed back to the hub if it cannot be queued) or a reissue. */
  reissue: boolean;
}

/**
 * Hands tasks to the executors: opens a batch on the hub (TaskOpener), then for each
 * opened task publishes its message (confirmed by the broker), records it in the
 * in-flight set and announces `task.queued`. Publishing runs concurrently, the hub calls
 * in order. Also reissues an in-flight task with a fresh subsession when the master
 * session changed (ADR 0053).
 */
@Injectable()
export class TaskIssuer {
  private readonly logger: LoggerLike;

  constructor(
    private readonly hub: HubGateway,
    private readonly opener: TaskOpener,
    private readonly publisher: TaskPublisher,
    private readonly events: PollerEvents,
    private readonly inFlight: InFlightStore,
    private readonly lease: LeaderLease,
    private readonly metrics: PollerMetrics,
    private readonly tracker: CapacityTracker,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'issuer' });
  }

  /** Opens and queues `tasks`; returns how many were queued. Per-task trouble is logged. */
  async issueAll(tasks: readonly AssignedTask[], signal?: AbortSignal): Promise<number> {
    if (tasks.length === 0) return 0;
    const methods = new Map(tasks.map((t) => [t.id, t.method]));
    let attempts: OpenAttempt[];
    try {
      attempts = await this.opener.openAll(tasks, signal);
    } catch (err) {
      if (endsLoop(err, signal)) throw err;
      // E.g. RetryError: the hub ran the multicall but its reply was lost. Tasks it opened
      // are OPEN here without a record: the next loop frees them and they come back.
      this.logger.error({ err, taskIds: tasks.map((t) => t.id) }, 'could not open the tasks');
      return 0;
    }
    const results = await settleAll(attempts, PUBLISH_CONCURRENCY, (attempt) =>
      this.settle(
        attempt,
        this.logger.child({ taskId: attempt.taskId, method: methods.get(attempt.taskId) }),
        signal,
      ),
    );
    const fatal = results.find((r) => r.status === 'rejected' && endsLoop(r.reason, signal));
    if (fatal) throw (fatal as PromiseRejectedResult).reason;
    return results.filter((r) => r.status === 'fulfilled' && r.value).length;
  }

  /** Queues an in-flight task again with a subsession of the current master session. */
  async reissue(task: InFlightTask, signal?: AbortSignal): Promise<boolean> {
    const log = this.logger.child({ taskId: task.taskId, method: task.method });
    const info = await this.hub.getTaskInfoWithRequest(task.taskId, signal);
    if (!info || info.state !== TASK_STATE.OPEN || info.host_id !== this.hub.hostId) {
      log.info('not reissued: the task is no longer open on this host');
      return false;
    }
    const session = await this.hub.mintSubsession(task.taskId, signal);
    const queued = await this.dispatch({ info, weight: task.weight, session, reissue: true }, log, signal);
    if (queued) this.metrics.tasksReissued.inc();
    return queued;
  }

  /** True when the task was queued. */
  private async settle(attempt: OpenAttempt, log: LoggerLike, signal?: AbortSignal): Promise<boolean> {
    switch (attempt.kind) {
      case 'opened':
        try {
          return await this.dispatch({ ...attempt, reissue: false }, log, signal);
        } catch (err) {
          if (!endsLoop(err, signal)) log.error({ err }, 'could not queue the task');
          throw err;
        }
      case 'unfit':
        await this.fail(attempt.taskId, attempt.error, log, signal);
        return false;
      case 'skipped':
        log.info(`skipped: ${attempt.reason}`);
        await this.endSubsession(attempt.session, log);
        return false;
      case 'failed':
        await this.endSubsession(attempt.session, log);
        if (endsLoop(attempt.error, signal)) throw attempt.error;
        log.error({ err: attempt.error }, 'could not take the task; it stays assigned for a later loop');
        if (attempt.opened) await this.handBack(attempt.taskId, log, signal);
        return false;
    }
  }

  private async dispatch(job: Dispatch, log: LoggerLike, signal?: AbortSignal): Promise<boolean> {
    const { info, weight, session, reissue } = job;
    let message;
    try {
      message = buildTaskMessage({
        info,
        weight,
        session,
        hub: { url: this.config.hub.url, topurl: this.config.hub.topurl },
      });
    } catch (err) {
      await this.endSubsession(session, log);
      if (!(err instanceof TaskNotTransportableError)) throw err;
      await this.fail(info.id, err, log, signal);
      return false;
    }
    const masterSessionId = this.hub.sessionId!;
    const route = this.publisher.route(message.method, message.arch);
    let generation = 0;
    await this.inFlight.recording(info.id, async () => {
      try {
        this.lease.assertHeld('queue a task');
        // Above any generation an executor runs or the record names, even if Redis lost the counter.
        const floor = Math.max(
          this.tracker.generationSeen(info.id),
          this.inFlight.get(info.id)?.generation ?? 0,
        );
        generation = await this.inFlight.nextGeneration(info.id, floor);
        await this.publisher.publishTask(message, generation);
      } catch (err) {
        await this.endSubsession(session, log);
        if (err instanceof UnroutableMessageError)
          await this.publisher.redeclare(route).catch(() => undefined);
        if (!reissue && !endsLoop(err, signal)) await this.handBack(info.id, log, signal);
        throw err;
      }
      await this.inFlight.put({
        taskId: info.id,
        method: message.method,
        arch: message.arch,
        queue: route.queue,
        orchestration: route.orchestration,
        weight,
        priority: message.priority,
        channelId: message.channelId,
        parentId: message.parentId,
        masterSessionId,
        subsessionId: session.id,
        generation,
        publishedAt: message.publishedAt,
      });
    });
    this.metrics.tasksOpened.inc({ method: message.method });
    log.info({ arch: message.arch, queue: route.queue, generation }, 'task queued');
    await this.events.taskQueued({
      taskId: info.id,
      method: message.method,
      arch: message.arch,
      queue: route.queue,
      priority: message.priority,
      weight,
      parentId: message.parentId,
      generation,
    });
    return true;
  }

  private async fail(taskId: number, err: TaskNotTransportableError, log: LoggerLike, signal?: AbortSignal) {
    log.error({ err: { name: err.name, message: err.message } }, 'failing the task on the hub');
    await this.hub.failTask(taskId, `koji-farm: ${err.message}`, signal);
    this.metrics.tasksFailed.inc();
  }

  /** A task opened but not queued goes back to the hub, to be assigned again. */
  private async handBack(taskId: number, log: LoggerLike, signal?: AbortSignal): Promise<void> {
    try {
      await this.hub.freeTasks([taskId], signal);
      this.metrics.tasksFreed.inc({ reason: 'not-queued' });
      log.warn('the task was opened but not queued; freed it on the hub');
    } catch (err) {
      log.error({ err }, 'the task was opened but not queued, and freeing it failed; the next loop frees it');
    }
  }

  private async endSubsession(session: SessionCredentials | null, log: LoggerLike): Promise<void> {
    if (!session) return;
    try {
      await this.hub.logoutChild(session.id);
    } catch (err) {
      log.debug({ err }, 'could not end an unused subsession');
    }
  }
}
