import { Inject, Injectable } from '@nestjs/common';
import { type LoggerLike } from '@koji-farm/observability';
import { type TaskClaim } from '../capacity/capacity-tracker';
import { SessionHandover } from '../handover/session-handover';
import { PollerMetrics } from '../health/poller-metrics';
import { HubGateway } from '../hub/hub-gateway';
import { type HostTask, type TaskState } from '../hub/hub-replies.schema';
import { TASK_STATE, taskStateName } from '../hub/koji-states';
import { PollerEvents } from '../messaging/poller-events';
import { TaskPublisher } from '../messaging/task-publisher';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { InFlightStore } from '../state/in-flight-store';
import { type InFlightTask } from '../state/in-flight-task';
import { endsLoop } from './ends-loop';
import { ExecutorClaims } from './executor-claims';
import { rebuildRecord } from './rebuild-record';
import { settleAll } from './settle-all';
import { TaskIssuer } from './task-issuer';

/** Handovers under way at once (each waits for its executor's answer). */
const HANDOVER_CONCURRENCY = 10;

export interface Reconciliation {
  /** kojid's task_load: the weights of this host's OPEN tasks that are not waiting. */
  load: number;
  /** Tasks whose work was just cancelled: not taken again in the same loop. */
  released: Set<number>;
}

/** What to do about an in-flight task the hub no longer lists as OPEN here. */
type Verdict = { kind: 'finished' } | { kind: 'lingering' } | { kind: 'cancel'; reason: string };

/**
 * Protocol §4 step 3, against the in-flight set: frees OPEN tasks the farm has no
 * record of (as kojid does after a restart), drops finished tasks, sends `cancel` for
 * tasks cancelled or moved on the hub. A task whose message's subsession belongs to an
 * earlier master session (a takeover, a restart, a re-login) keeps running where a live
 * executor runs it: the attempt gets a subsession of the current master (ADR 0082);
 * only a task no live executor runs is reissued (ADR 0053).
 */
@Injectable()
export class TaskReconciler {
  private readonly logger: LoggerLike;

  constructor(
    private readonly hub: HubGateway,
    private readonly inFlight: InFlightStore,
    private readonly issuer: TaskIssuer,
    private readonly publisher: TaskPublisher,
    private readonly events: PollerEvents,
    private readonly metrics: PollerMetrics,
    private readonly claims: ExecutorClaims,
    private readonly handover: SessionHandover,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'reconciler' });
  }

  async reconcile(signal?: AbortSignal): Promise<Reconciliation> {
    const listed = new Map<number, HostTask>();
    for (const task of await this.hub.getHostTasks(signal)) listed.set(task.id, task);
    const released = new Set<number>();

    const { unknown, claimed } = this.unrecorded(listed);
    await this.rebuildRecords(claimed, listed, signal);
    if (unknown.length > 0) {
      this.logger.info({ taskIds: unknown }, 'freeing OPEN tasks this farm has no record of');
      await this.hub.freeTasks(unknown, signal);
      this.metrics.tasksFreed.inc({ reason: 'unknown' }, unknown.length);
      for (const id of unknown) listed.delete(id);
    }

    const orphaned: InFlightTask[] = [];
    for (const task of this.inFlight.all()) {
      if (signal?.aborted) break;
      const row = listed.get(task.taskId);
      try {
        if (!row) await this.settle(task, released, signal);
        else if (task.masterSessionId !== this.hub.sessionId) orphaned.push(task);
        else if (row.alert)
          this.logger.debug({ taskId: task.taskId }, 'a subtask the task waits on finished');
      } catch (err) {
        if (endsLoop(err, signal)) throw err;
        this.logger.error(
          { err, taskId: task.taskId },
          'could not reconcile an in-flight task; retrying next loop',
        );
      }
    }

    await this.followMasterChange(orphaned, signal);

    let load = 0;
    for (const row of listed.values()) if (!row.waiting) load += row.weight;
    this.metrics.inFlight.set(this.inFlight.size);
    return { load, released };
  }

  /**
   * Tasks whose message carries a subsession of an earlier master session: the hub
   * refuses it now. Where a live executor runs the message's attempt, the attempt gets a
   * subsession of this master and carries on (ADR 0082); where none does (once every
   * executor was heard), or the executor does not take it, the task is reissued.
   */
  private async followMasterChange(tasks: InFlightTask[], signal?: AbortSignal): Promise<void> {
    if (tasks.length === 0) return;
    const claims = this.claims.current();
    const settled = this.claims.settled();
    const results = await settleAll(tasks, HANDOVER_CONCURRENCY, (task) =>
      this.follow(task, claims.get(task.taskId), settled, signal),
    );
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') continue;
      if (endsLoop(result.reason, signal)) throw result.reason;
      this.logger.error(
        { err: result.reason, taskId: tasks[i].taskId },
        'could not hand over or reissue an in-flight task; retrying next loop',
      );
    }
  }

  private async follow(
    task: InFlightTask,
    claim: TaskClaim | undefined,
    settled: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const runs = claim && claim.generation === task.generation ? claim : undefined;
    const held = task.handedOver;
    if (
      runs &&
      held &&
      held.masterSessionId === this.hub.sessionId &&
      held.executorId === runs.executorId &&
      held.attempt === runs.attempt
    )
      return; // the attempt runs on with this master's subsession
    if (!runs) {
      if (!settled) {
        this.logger.debug(
          { taskId: task.taskId, graceMs: this.claims.graceMs },
          'not reissuing a task of an earlier master session before every executor was heard from',
        );
        return;
      }
      await this.endHandedSubsession(task);
      await this.issuer.reissue(task, signal);
      return;
    }
    const outcome = await this.handover.handOver(task, runs, signal);
    await this.endHandedSubsession(task);
    if (outcome.kind === 'taken') {
      await this.inFlight.put({
        ...task,
        handedOver: {
          masterSessionId: this.hub.sessionId!,
          subsessionId: outcome.subsessionId,
          executorId: outcome.executorId,
          attempt: outcome.attempt,
        },
      });
      return;
    }
    await this.issuer.reissue(task, signal);
  }

  /** The subsession an earlier handover gave an attempt that no longer runs. */
  private async endHandedSubsession(task: InFlightTask): Promise<void> {
    const held = task.handedOver;
    if (!held || held.masterSessionId !== this.hub.sessionId) return;
    try {
      await this.hub.logoutChild(held.subsessionId);
    } catch (err) {
      this.logger.debug({ err, taskId: task.taskId }, 'could not end a handed-over subsession');
    }
  }

  /**
   * OPEN tasks of this host with no in-flight record: `unknown` when no live executor
   * runs them (kojid frees such tasks after a restart), `claimed` when one does (the
   * record may be what was lost, a Redis restart or flush, not the task). Neither before
   * a new leader has heard every executor (ExecutorClaims.settled).
   */
  private unrecorded(listed: ReadonlyMap<number, HostTask>): { unknown: number[]; claimed: TaskClaim[] } {
    const unrecorded = [...listed.keys()].filter((id) => !this.inFlight.has(id));
    if (unrecorded.length === 0) return { unknown: [], claimed: [] };
    if (!this.claims.settled()) {
      this.logger.debug(
        { taskIds: unrecorded, graceMs: this.claims.graceMs },
        'not freeing unrecorded tasks before every executor was heard from',
      );
      return { unknown: [], claimed: [] };
    }
    const claims = this.claims.current();
    const unknown: number[] = [];
    const claimed: TaskClaim[] = [];
    for (const id of unrecorded) {
      const claim = claims.get(id);
      if (claim) claimed.push(claim);
      else unknown.push(id);
    }
    return { unknown, claimed };
  }

  /** Rebuilds the in-flight records of running tasks Redis lost; the tasks run on. */
  private async rebuildRecords(
    claimed: readonly TaskClaim[],
    listed: ReadonlyMap<number, HostTask>,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const claim of claimed) {
      if (signal?.aborted) return;
      try {
        const record = await rebuildRecord(
          { hub: this.hub, inFlight: this.inFlight, publisher: this.publisher },
          claim,
          listed.get(claim.taskId)?.weight ?? 0,
          signal,
        );
        if (record)
          this.logger.warn(
            {
              taskId: claim.taskId,
              executorId: claim.executorId,
              generation: claim.generation,
              attempt: claim.attempt,
            },
            'an executor runs a task this farm has no record of (did Redis lose the in-flight set?): record rebuilt from the hub, the task runs on',
          );
      } catch (err) {
        if (endsLoop(err, signal)) throw err;
        this.logger.error(
          { err, taskId: claim.taskId },
          'could not rebuild the in-flight record; retrying next loop',
        );
      }
    }
  }

  private async settle(task: InFlightTask, released: Set<number>, signal?: AbortSignal): Promise<void> {
    const state = await this.hub.getTaskState(task.taskId, signal);
    const verdict = this.judge(state);
    const log = this.logger.child({ taskId: task.taskId, method: task.method });
    switch (verdict.kind) {
      case 'lingering':
        log.debug('the task is OPEN here but was not listed; checking again next loop');
        return;
      case 'finished':
        await this.inFlight.remove([task.taskId]);
        this.metrics.tasksFinished.inc();
        log.info({ state: taskStateName(state!.state) }, 'task finished');
        await this.endSubsession(task, log);
        return;
      case 'cancel':
        await this.publisher.publishCancel(task.taskId, verdict.reason);
        await this.inFlight.remove([task.taskId]);
        released.add(task.taskId);
        this.metrics.tasksCancelled.inc({ reason: state ? taskStateName(state.state) : 'gone' });
        log.info({ reason: verdict.reason }, 'cancel sent to the executors');
        await this.events.cancelRequested(task.taskId, verdict.reason);
        await this.endSubsession(task, log);
        return;
    }
  }

  /** kojid's updateTasks, for a task no longer listed. */
  private judge(state: TaskState | null): Verdict {
    if (!state) return { kind: 'cancel', reason: 'the task no longer exists on the hub' };
    switch (state.state) {
      case TASK_STATE.CLOSED:
      case TASK_STATE.FAILED:
        return { kind: 'finished' };
      case TASK_STATE.CANCELED:
        return { kind: 'cancel', reason: 'canceled on the hub' };
      case TASK_STATE.OPEN:
        if (state.host_id === this.hub.hostId) return { kind: 'lingering' };
        return { kind: 'cancel', reason: `reassigned on the hub to host ${state.host_id}` };
      default:
        return {
          kind: 'cancel',
          reason: `${taskStateName(state.state).toLowerCase()} on the hub${
            state.host_id === null ? '' : ` (host ${state.host_id})`
          }: no longer this host's`,
        };
    }
  }

  /** The message's subsession is the poller's to end when the task leaves the set (ADR 0061). */
  private async endSubsession(task: InFlightTask, log: LoggerLike): Promise<void> {
    await this.endHandedSubsession(task);
    if (task.masterSessionId !== this.hub.sessionId || task.subsessionId === null) return;
    try {
      await this.hub.logoutChild(task.subsessionId);
    } catch (err) {
      log.debug({ err }, 'could not end the task subsession');
    }
  }
}
