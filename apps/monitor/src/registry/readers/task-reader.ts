import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { REDIS_KEY_PREFIX } from '@koji-farm/redis';
import { TaskNotFoundError } from '../errors/task-not-found.error';
import { RegistryKeys } from '../registry-keys';
import { defineRegistryScripts } from '../registry-scripts';
import {
  type TaskDetailView,
  type TaskPageView,
  type TaskState,
  type TaskSummaryView,
} from '../views/task.views';
import { ExecutorReader } from './executor-reader';
import { type Hash, num, text, time, zipFields } from './hash-fields';
import { SUMMARY_FIELDS, toAttempts, toLogInfos, toSteps, toTaskSummary } from './task-mapper';
import { refusedReason, waitingReason } from './waiting-reason';

export interface TaskQuery {
  state?: TaskState;
  method?: string;
  executor?: string;
  limit: number;
  /** Continue below this task id (the previous page's nextCursor). */
  cursor?: number;
}

/** Most index entries one filtered page may look at before it returns what it found. */
const SCAN_BUDGET = 5000;

/** Reads tasks: pages through the indexes newest first, and assembles one task's detail. */
@Injectable()
export class TaskReader {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    @Inject(REDIS_KEY_PREFIX) private readonly prefix: string,
    private readonly executors: ExecutorReader,
  ) {
    defineRegistryScripts(redis);
  }

  async list(query: TaskQuery): Promise<TaskPageView> {
    const indexes: string[] = [];
    if (query.state) indexes.push(RegistryKeys.tasksByState(query.state));
    if (query.method) indexes.push(RegistryKeys.tasksByMethod(query.method));
    if (query.executor) indexes.push(RegistryKeys.tasksByExecutor(query.executor));
    if (indexes.length <= 1) return this.page(indexes[0] ?? RegistryKeys.tasks, query);

    // Walk the smallest index; a task matches when it is in every other index too.
    const pipeline = this.redis.pipeline();
    for (const index of indexes) pipeline.zcard(index);
    const sizes = ((await pipeline.exec()) ?? []).map(([, n]) => Number(n));
    const smallest = sizes.indexOf(Math.min(...sizes));
    return this.filteredPage(
      indexes[smallest],
      indexes.filter((_, i) => i !== smallest),
      query,
    );
  }

  /** @throws TaskNotFoundError */
  async get(taskId: number): Promise<TaskDetailView> {
    const pipeline = this.redis.pipeline();
    pipeline.hgetall(RegistryKeys.task(taskId));
    pipeline.hgetall(RegistryKeys.taskSteps(taskId));
    pipeline.hgetall(RegistryKeys.taskLogs(taskId));
    const [[, task], [, steps], [, logs]] = (await pipeline.exec()) as Array<[Error | null, Hash]>;
    if (!task?.id) throw new TaskNotFoundError(taskId);
    const summary = toTaskSummary(task);
    const stepsByAttempt = toSteps(steps ?? {});
    const buildroots = Object.keys(task)
      .filter((k) => /^broot:\d+$/.test(k))
      .map((k) => ({ id: Number(k.slice(6)), state: task[k]!, at: time(task, `${k}:at`) }))
      .sort((a, b) => a.id - b.id);
    return {
      ...summary,
      weight: num(task, 'weight'),
      pollerId: text(task, 'pollerId'),
      cancelReason: text(task, 'cancelReason'),
      refuseReason: text(task, 'refuseReason'),
      steps: summary.attempt === null ? [] : (stepsByAttempt.get(summary.attempt) ?? []),
      attempts: toAttempts(task, stepsByAttempt),
      logs: toLogInfos(logs ?? {}, task),
      buildroots,
      waiting: await this.waiting(summary, text(task, 'refuseReason')),
    };
  }

  /** Summaries of the given tasks, in the given order, skipping any no longer there. */
  async summaries(taskIds: readonly (number | string)[]): Promise<TaskSummaryView[]> {
    const hashes = await this.summaryHashes(taskIds.map(String));
    return hashes.filter((h) => h.id).map(toTaskSummary);
  }

  private async page(index: string, query: TaskQuery): Promise<TaskPageView> {
    const max = query.cursor === undefined ? '+inf' : `(${query.cursor}`;
    const ids = await this.redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', 0, query.limit + 1);
    const more = ids.length > query.limit;
    const items = await this.summaries(ids.slice(0, query.limit));
    const last = ids[Math.min(ids.length, query.limit) - 1];
    return { items, nextCursor: more && last ? last : null };
  }

  private async filteredPage(
    walk: string,
    others: readonly string[],
    query: TaskQuery,
  ): Promise<TaskPageView> {
    const matched: string[] = [];
    let max = query.cursor === undefined ? '+inf' : `(${query.cursor}`;
    let scanned = 0;
    let lastLooked: string | null = null;
    const batch = Math.min(Math.max(query.limit * 4, 200), 1000);
    while (matched.length < query.limit && scanned < SCAN_BUDGET) {
      const ids = await this.redis.zrevrangebyscore(walk, max, '-inf', 'LIMIT', 0, batch);
      if (ids.length === 0) return { items: await this.summaries(matched), nextCursor: null };
      const pipeline = this.redis.pipeline();
      for (const index of others) pipeline.zmscore(index, ...ids);
      const memberships = ((await pipeline.exec()) ?? []).map(([, scores]) => scores as Array<string | null>);
      for (let i = 0; i < ids.length && matched.length < query.limit; i++) {
        lastLooked = ids[i]!;
        if (memberships.every((scores) => scores[i] !== null)) matched.push(ids[i]);
      }
      scanned += ids.length;
      max = `(${lastLooked}`;
      if (ids.length < batch && matched.length < query.limit)
        return { items: await this.summaries(matched), nextCursor: null };
    }
    return { items: await this.summaries(matched), nextCursor: lastLooked };
  }

  private async summaryHashes(ids: readonly string[]): Promise<Hash[]> {
    if (ids.length === 0) return [];
    const rows = await this.redis.kojiFarmTaskSummaries(
      this.prefix,
      String(SUMMARY_FIELDS.length),
      ...SUMMARY_FIELDS,
      ...ids,
    );
    return rows.map((values) => zipFields(SUMMARY_FIELDS, values));
  }

  private async waiting(task: TaskSummaryView, refuseReason: string | null) {
    if (task.state === 'refused') return refusedReason(refuseReason);
    if (task.state !== 'queued') return null;
    const [executors, rank] = await Promise.all([
      this.executors.list(),
      task.queue
        ? this.redis.zrank(RegistryKeys.tasksInQueue(task.queue), String(task.id))
        : Promise.resolve(null),
    ]);
    return waitingReason(task, executors, rank === null ? null : rank + 1);
  }
}
