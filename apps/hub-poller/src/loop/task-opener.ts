import { Injectable } from '@nestjs/common';
import {
  type KojiValue,
  type MultiCallEntry,
  type MultiCallOutcome,
  type SessionCredentials,
} from '@koji-farm/koji';
import { TaskNotTransportableError } from '../errors/task-not-transportable.error';
import { HubGateway } from '../hub/hub-gateway';
import {
  type AssignedTask,
  openTaskReply,
  subsessionReply,
  taskInfoWithRequestReply,
  type TaskInfoWithRequest,
} from '../hub/hub-replies.schema';
import { LeaderLease } from '../lease/leader-lease';
import { requestToJson } from './task-message-builder';
import { taskWeight } from './task-weights';

/** What opening one task came to. Exactly one of the cases applies. */
export type OpenAttempt = { taskId: number; session: SessionCredentials | null } & (
  | { kind: 'opened'; info: TaskInfoWithRequest; weight: number; session: SessionCredentials }
  /** Opened, but its request cannot travel in a task message: to be failed on the hub. */
  | { kind: 'unfit'; info: TaskInfoWithRequest; error: TaskNotTransportableError }
  /** Not ours after all (another host opened it, or it is gone). */
  | { kind: 'skipped'; reason: string }
  /** A fault or a bad reply; `opened` when the task may be OPEN here regardless. */
  | { kind: 'failed'; error: Error; opened: boolean }
);

/**
 * Protocol §4 step 6 for a whole batch in two multicalls instead of four calls per
 * task (ADR 0054): `getTaskInfo(id, True)` for each, then `host.openTask`,
 * `host.setTaskWeight` and `subsession()` for each. The hub runs every call of a
 * multicall in its own savepoint, so one task's fault never touches another.
 */
@Injectable()
export class TaskOpener {
  constructor(
    private readonly hub: HubGateway,
    private readonly lease: LeaderLease,
  ) {}

  async openAll(tasks: readonly AssignedTask[], signal?: AbortSignal): Promise<OpenAttempt[]> {
    const infos = await this.hub.multi(
      tasks.map((t) => ({ methodName: 'getTaskInfo', params: [t.id, true] })),
      signal,
    );
    const attempts: OpenAttempt[] = [];
    const toOpen: Array<{
      info: TaskInfoWithRequest;
      weight: number;
      unfit: TaskNotTransportableError | null;
    }> = [];
    tasks.forEach((task, i) => {
      const base = { taskId: task.id, session: null };
      try {
        const info = this.hub.check(
          'getTaskInfo',
          taskInfoWithRequestReply.nullable(),
          value(infos[i]),
          task.id,
        );
        if (!info) attempts.push({ ...base, kind: 'skipped', reason: 'the hub has no such task any more' });
        else toOpen.push({ info, weight: taskWeight(info.method), unfit: fitness(info) });
      } catch (error) {
        attempts.push({ ...base, kind: 'failed', error: error as Error, opened: false });
      }
    });
    if (toOpen.length === 0) return attempts;

    this.lease.assertHeld('open tasks');
    const calls: MultiCallEntry[] = [];
    for (const { info, weight, unfit } of toOpen) {
      calls.push({ methodName: 'host.openTask', params: [info.id] });
      calls.push({ methodName: 'host.setTaskWeight', params: [info.id, weight] });
      if (!unfit) calls.push({ methodName: 'subsession', params: [] });
    }
    const outcomes = await this.hub.multi(calls, signal);
    let next = 0;
    for (const { info, weight, unfit } of toOpen) {
      const [open, weighted] = [outcomes[next++], outcomes[next++]];
      const minted = unfit ? undefined : outcomes[next++];
      attempts.push(this.readOpen(info, weight, unfit, open, weighted, minted));
    }
    return attempts;
  }

  private readOpen(
    info: TaskInfoWithRequest,
    weight: number,
    unfit: TaskNotTransportableError | null,
    open: MultiCallOutcome,
    weighted: MultiCallOutcome,
    minted: MultiCallOutcome | undefined,
  ): OpenAttempt {
    const taskId = info.id;
    // Read first: a minted subsession must be ended whatever became of the task.
    const { session, error: sessionError } = this.readSession(minted, taskId);
    if (!open.ok) return { taskId, session, kind: 'failed', error: open.error, opened: false };
    let row: unknown;
    try {
      row = this.hub.check('host.openTask', openTaskReply, open.value, taskId);
    } catch (error) {
      return { taskId, session, kind: 'failed', error: error as Error, opened: true };
    }
    if (row === null)
      return { taskId, session, kind: 'skipped', reason: 'another host opened the task first' };
    if (!weighted.ok) return { taskId, session, kind: 'failed', error: weighted.error, opened: true };
    if (unfit) return { taskId, session: null, kind: 'unfit', info, error: unfit };
    if (!session) return { taskId, session: null, kind: 'failed', error: sessionError!, opened: true };
    return { taskId, kind: 'opened', info, weight, session };
  }

  private readSession(
    minted: MultiCallOutcome | undefined,
    taskId: number,
  ): { session: SessionCredentials | null; error: Error | null } {
    if (!minted) return { session: null, error: null };
    if (!minted.ok) return { session: null, error: minted.error };
    try {
      return { session: this.hub.check('subsession', subsessionReply, minted.value, taskId), error: null };
    } catch (error) {
      return { session: null, error: error as Error };
    }
  }
}

function value(outcome: MultiCallOutcome): KojiValue {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function fitness(info: TaskInfoWithRequest): TaskNotTransportableError | null {
  try {
    requestToJson(info.id, info.request);
    return null;
  } catch (error) {
    if (error instanceof TaskNotTransportableError) return error;
    throw error;
  }
}
