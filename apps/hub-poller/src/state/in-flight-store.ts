import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type LoggerLike } from '@koji-farm/observability';
import { LeaseLostError } from '../errors/lease-lost.error';
import { LeaderLease } from '../lease/leader-lease';
import { FENCED_HDEL, FENCED_HSET, NEXT_GENERATION } from '../lease/lease-scripts';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { type InFlightTask, inFlightTaskSchema } from './in-flight-task';
import { REDIS_KEYS } from './redis-keys';

/**
 * The tasks the farm published and the hub still has OPEN on this host: in Redis so
 * that a restarted poller or a standby that takes over carries on with them, and in
 * memory for the loop. Every write is fenced on the lease (a poller that lost it
 * cannot change the set).
 */
/** A task's generation counter outlives any plausible task (Koji's tasks time out long before). */
const GENERATION_TTL_MS = 30 * 24 * 3600 * 1000;

@Injectable()
export class InFlightStore {
  private readonly tasks = new Map<number, InFlightTask>();
  /** Tasks being published now: their record follows the broker's confirm. */
  private readonly pending = new Map<number, Promise<unknown>>();
  private readonly logger: LoggerLike;

  constructor(
    private readonly redis: Redis,
    private readonly lease: LeaderLease,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'in-flight' });
  }

  get size(): number {
    return this.tasks.size;
  }

  has(taskId: number): boolean {
    return this.tasks.has(taskId);
  }

  get(taskId: number): InFlightTask | undefined {
    return this.tasks.get(taskId);
  }

  all(): InFlightTask[] {
    return [...this.tasks.values()];
  }

  /**
   * Runs `work` (publishing the task's message, then `put`) as the task's pending record:
   * until it settles, `whenRecorded` waits for it. A dead letter of that message may come
   * back before the record is written (an executor refuses it at once).
   */
  async recording<T>(taskId: number, work: () => Promise<T>): Promise<T> {
    const run = work();
    this.pending.set(taskId, run);
    try {
      return await run;
    } finally {
      if (this.pending.get(taskId) === run) this.pending.delete(taskId);
    }
  }

  /** The task's record once any publication of it under way has settled. */
  async whenRecorded(taskId: number): Promise<InFlightTask | undefined> {
    await this.pending.get(taskId)?.catch(() => undefined);
    return this.tasks.get(taskId);
  }

  /**
   * The generation for the task's next message: one higher than any before it, and
   * above `floor` (the highest the poller knows of from elsewhere: executors'
   * heartbeats, its in-flight record), so a counter Redis lost never goes backwards.
   */
  async nextGeneration(taskId: number, floor = 0): Promise<number> {
    const generation = await this.redis.eval(
      NEXT_GENERATION,
      1,
      REDIS_KEYS.generation(taskId),
      floor,
      GENERATION_TTL_MS,
    );
    return Number(generation);
  }

  /** Replaces the memory copy with what Redis holds (a new leader's first step). */
  async load(): Promise<void> {
    const raw = await this.redis.hgetall(REDIS_KEYS.inFlight);
    this.tasks.clear();
    for (const [field, json] of Object.entries(raw)) {
      const parsed = inFlightTaskSchema.safeParse(safeJson(json));
      if (parsed.success) this.tasks.set(parsed.data.taskId, parsed.data);
      else
        this.logger.error(
          { taskId: Number(field), issues: parsed.error.issues.map((i) => i.message) },
          'unreadable in-flight record ignored: the task counts as unknown and will be freed',
        );
    }
  }

  async put(task: InFlightTask): Promise<void> {
    const written = await this.redis.eval(
      FENCED_HSET,
      2,
      REDIS_KEYS.lease,
      REDIS_KEYS.inFlight,
      this.leaseValue('record a task'),
      String(task.taskId),
      JSON.stringify(task),
    );
    if (written !== 1) throw this.lost('record a task');
    this.tasks.set(task.taskId, task);
  }

  async remove(taskIds: readonly number[]): Promise<void> {
    if (taskIds.length === 0) return;
    const removed = await this.redis.eval(
      FENCED_HDEL,
      2,
      REDIS_KEYS.lease,
      REDIS_KEYS.inFlight,
      this.leaseValue('forget tasks'),
      ...taskIds.map(String),
    );
    if (removed !== 1) throw this.lost('forget tasks');
    for (const id of taskIds) this.tasks.delete(id);
  }

  /** Drops the memory copy (stepping down: the next leader reads Redis). */
  forget(): void {
    this.tasks.clear();
  }

  private leaseValue(what: string): string {
    this.lease.assertHeld(what);
    return this.lease.value!;
  }

  private lost(what: string): LeaseLostError {
    this.lease.forget();
    return new LeaseLostError(`another poller holds the lease: could not ${what} in the in-flight set`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
