import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { type ExecutorHeartbeatEvent, type RunningTaskClaim } from '@koji-farm/contracts';
import { type LoggerLike } from '@koji-farm/observability';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { type InFlightTask } from '../state/in-flight-task';
import { type ExecutorState } from './executor-state';
import { FarmCapacity } from './farm-capacity';

/** Generations remembered per task (the highest a heartbeat named), at most this many tasks. */
const GENERATIONS_REMEMBERED = 10_000;

/** A live executor's claim on a task: it runs an attempt of it now. */
export interface TaskClaim extends RunningTaskClaim {
  executorId: string;
}

/**
 * The farm's executors as their heartbeats describe them. An executor silent for
 * EXECUTOR_GONE_AFTER (3 heartbeats) is gone; one that says `executor.stopped` is gone
 * at once. Every poller (leader or standby) keeps this up to date, so a standby that
 * takes over knows the farm at once.
 */
@Injectable()
export class CapacityTracker {
  private readonly executors = new Map<string, ExecutorState>();
  /** The highest generation a heartbeat named per task, oldest first (a bounded memory). */
  private readonly generations = new Map<number, number>();
  private readonly logger: LoggerLike;

  constructor(
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'capacity' });
  }

  onHeartbeat(event: ExecutorHeartbeatEvent, now = performance.now()): void {
    if (!this.executors.has(event.executorId)) {
      this.logger.info(
        { executorId: event.executorId, arches: event.arches, slots: event.slots },
        'executor joined the farm',
      );
    }
    this.executors.set(event.executorId, {
      executorId: event.executorId,
      arches: event.arches,
      methods: event.methods,
      slots: event.slots,
      busy: event.busy,
      orchestrating: event.orchestrating,
      orchestrationSlots: event.orchestrationSlots,
      load: event.load,
      running: event.running,
      lastSeen: now,
    });
    for (const claim of event.running) this.rememberGeneration(claim.taskId, claim.generation);
  }

  /** The tasks live executors run now, by task (the latest claim wins). */
  claims(now = performance.now()): Map<number, TaskClaim> {
    const claims = new Map<number, TaskClaim>();
    for (const executor of this.live(now))
      for (const claim of executor.running)
        claims.set(claim.taskId, { ...claim, executorId: executor.executorId });
    return claims;
  }

  /** The highest generation of the task any heartbeat named (0: none heard of). */
  generationSeen(taskId: number): number {
    return this.generations.get(taskId) ?? 0;
  }

  private rememberGeneration(taskId: number, generation: number): void {
    const known = this.generations.get(taskId) ?? 0;
    this.generations.delete(taskId);
    this.generations.set(taskId, Math.max(known, generation));
    if (this.generations.size > GENERATIONS_REMEMBERED) {
      const oldest = this.generations.keys().next().value;
      if (oldest !== undefined) this.generations.delete(oldest);
    }
  }

  onStopped(executorId: string): void {
    if (this.executors.delete(executorId))
      this.logger.info({ executorId }, 'executor left the farm (stopped)');
  }

  /** Executors heard from recently; forgets the silent ones. */
  live(now = performance.now()): ExecutorState[] {
    for (const [id, state] of this.executors) {
      if (now - state.lastSeen > this.config.executorGoneAfterMs) {
        this.executors.delete(id);
        this.logger.warn({ executorId: id }, 'executor is gone (no heartbeat)');
      }
    }
    return [...this.executors.values()];
  }

  snapshot(inFlight: readonly InFlightTask[], now = performance.now()): FarmCapacity {
    return new FarmCapacity(this.live(now), inFlight);
  }
}
