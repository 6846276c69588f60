import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { HEARTBEATS_BEFORE_GONE } from '@koji-farm/contracts';
import { CapacityTracker, type TaskClaim } from '../capacity/capacity-tracker';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { PollerStatus } from '../poller/poller-status';

/** Slack for a heartbeat on its way through the broker. */
const DELIVERY_MARGIN_MS = 1000;

/**
 * What the executors say they run (their heartbeats), as the second record of the
 * farm's work next to the in-flight set in Redis: a Redis that lost its data (FLUSHALL,
 * a restart without persistence) must not make the leader free tasks or expire
 * buildroots that still run (issue 17.2). A new leader judges only once a heartbeat
 * interval has passed since it took the lease, so that every live executor was heard.
 */
@Injectable()
export class ExecutorClaims {
  constructor(
    private readonly tracker: CapacityTracker,
    private readonly status: PollerStatus,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
  ) {}

  /** One heartbeat interval and a margin: how long a new leader waits before judging. */
  get graceMs(): number {
    return this.config.executorGoneAfterMs / HEARTBEATS_BEFORE_GONE + DELIVERY_MARGIN_MS;
  }

  /** True once this poller has led for `graceMs`. */
  settled(now = performance.now()): boolean {
    const since = this.status.leadingSince;
    return since !== null && now - since >= this.graceMs;
  }

  /** The tasks live executors run now, by task. */
  current(): Map<number, TaskClaim> {
    return this.tracker.claims();
  }

  /** The buildroots live executors' running attempts hold. */
  buildroots(claims = this.current()): Set<number> {
    const ids = new Set<number>();
    for (const claim of claims.values()) for (const id of claim.buildroots) ids.add(id);
    return ids;
  }
}
