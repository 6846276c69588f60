import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { type ExecutorHeartbeatEvent } from '@koji-farm/contracts';
import { type LoggerLike } from '@koji-farm/observability';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { type InFlightTask } from '../state/in-flight-task';
import { type ExecutorState } from './executor-state';
import { FarmCapacity } from './farm-capacity';

/**
 * The farm's executors as their heartbeats describe them. An executor silent for
 * EXECUTOR_GONE_AFTER (3 heartbeats) is gone; one that says `executor.stopped` is gone
 * at once. Every poller (leader or standby) keeps this up to date, so a standby that
 * takes over knows the farm at once.
 */
@Injectable()
export class CapacityTracker {
  private readonly executors = new Map<string, ExecutorState>();
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
      lastSeen: now,
    });
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
