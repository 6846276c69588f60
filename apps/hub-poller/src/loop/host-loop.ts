import { Inject, Injectable } from '@nestjs/common';
import { type LoggerLike } from '@koji-farm/observability';
import { CapacityTracker } from '../capacity/capacity-tracker';
import { type FarmCapacity } from '../capacity/farm-capacity';
import { PollerMetrics } from '../health/poller-metrics';
import { HubGateway } from '../hub/hub-gateway';
import { type HostInfo } from '../hub/hub-replies.schema';
import { LeaderLease } from '../lease/leader-lease';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { PollerStatus } from '../poller/poller-status';
import { InFlightStore } from '../state/in-flight-store';
import { BuildrootExpirer } from './buildroot-expirer';
import { TaskReconciler } from './task-reconciler';
import { TaskTaker } from './task-taker';

export interface LoopResult {
  ready: boolean;
  queued: number;
}

/**
 * One pass of the host loop (protocol §4, kojid's main loop) for the leader: expire
 * stale buildroots, reconcile this host's OPEN tasks with the in-flight set, report
 * load, readiness and the farm's methods and slots with `host.updateHost`, then take
 * assigned tasks while slots are free, and report the load again when it took some.
 */
@Injectable()
export class HostLoop {
  private readonly logger: LoggerLike;
  private warnedCapacity: string | null = null;

  constructor(
    private readonly hub: HubGateway,
    private readonly lease: LeaderLease,
    private readonly inFlight: InFlightStore,
    private readonly tracker: CapacityTracker,
    private readonly buildroots: BuildrootExpirer,
    private readonly reconciler: TaskReconciler,
    private readonly taker: TaskTaker,
    private readonly status: PollerStatus,
    private readonly metrics: PollerMetrics,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'host-loop' });
  }

  async run(stopping: () => boolean, signal?: AbortSignal): Promise<LoopResult> {
    const stop = this.metrics.loopDuration.startTimer();
    try {
      this.lease.assertHeld('run the host loop');
      await this.buildroots.expireStale(this.hub.hostId!, signal);
      const { load, released } = await this.reconciler.reconcile(signal);
      const host = await this.hub.getHost(signal);
      const capacity = this.tracker.snapshot(this.inFlight.all());
      this.checkHubCapacity(host, capacity);
      const ready = !stopping() && host.enabled && load <= host.capacity && capacity.hasFreeSlot;
      this.lease.assertHeld('update the host');
      await this.hub.updateHost(
        load,
        ready,
        { methods: capacity.methods, maxjobs: capacity.maxjobs },
        signal,
      );
      this.report(ready, capacity);
      if (!ready) {
        this.logger.debug(
          { enabled: host.enabled, load, capacity: host.capacity, executors: capacity.liveExecutors },
          'not ready for tasks',
        );
        return { ready, queued: 0 };
      }
      const before = new Set(this.inFlight.all().map((t) => t.taskId));
      const queued = await this.taker.take({ capacity, released, stopping, signal });
      this.metrics.inFlight.set(this.inFlight.size);
      if (queued > 0) await this.reportTaken(load, before, host, capacity, stopping, signal);
      return { ready, queued };
    } finally {
      stop();
    }
  }

  /**
   * kojid loops again at once after taking a task, so the hub hears the new load before
   * the task runs far. The farm takes a batch per pass and then sleeps: it reports the
   * load of the tasks open now (those listed at the start of the pass plus those just
   * opened) right away, instead of one poll interval later.
   */
  private async reportTaken(
    load: number,
    before: ReadonlySet<number>,
    host: HostInfo,
    capacity: FarmCapacity,
    stopping: () => boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    let opened = 0;
    for (const task of this.inFlight.all()) if (!before.has(task.taskId)) opened += task.weight;
    const now = load + opened;
    const ready = !stopping() && host.enabled && now <= host.capacity && capacity.hasFreeSlot;
    this.lease.assertHeld('update the host');
    await this.hub.updateHost(now, ready, { methods: capacity.methods, maxjobs: capacity.maxjobs }, signal);
    this.report(ready, capacity);
  }

  private report(ready: boolean, capacity: FarmCapacity): void {
    this.status.ready = ready;
    this.metrics.liveExecutors.set(capacity.liveExecutors);
    this.metrics.freeSlots.set({ kind: 'container' }, capacity.containerFree);
    this.metrics.freeSlots.set({ kind: 'orchestration' }, capacity.orchestrationFree);
  }

  /**
   * The hub assigns by its own `capacity` of the host (`koji edit-host --capacity`),
   * which knows nothing of the farm: warn once when it is below the farm's slots.
   */
  private checkHubCapacity(host: HostInfo, capacity: FarmCapacity): void {
    const key = `${host.capacity}/${capacity.maxjobs}`;
    if (host.capacity >= capacity.maxjobs || this.warnedCapacity === key) return;
    this.warnedCapacity = key;
    this.logger.warn(
      { hubCapacity: host.capacity, farmSlots: capacity.maxjobs },
      "the hub's capacity for this host is below the farm's slots: the hub assigns no more than capacity " +
        'minus load allows, so slots may stay idle (raise it with `koji edit-host --capacity`)',
    );
  }
}
