import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { type LoggerLike } from '@koji-farm/observability';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { PollerMetrics } from '../health/poller-metrics';
import { HubGateway } from '../hub/hub-gateway';
import { LeaderLease } from '../lease/leader-lease';
import { InFlightStore } from '../state/in-flight-store';
import { POLLER_LOGGER } from './poller-logger';
import { PollerStatus } from './poller-status';

/**
 * Leader or standby (ADR 0051). Leading takes two things: the Redis lease, then the
 * host's exclusive hub session (forced: whoever held it has lost the lease). A leader
 * that loses either steps down and stands by; it may win both again later.
 */
@Injectable()
export class Leadership {
  private leadingValue = false;
  private readonly logger: LoggerLike;

  constructor(
    private readonly hub: HubGateway,
    private readonly lease: LeaderLease,
    private readonly inFlight: InFlightStore,
    private readonly status: PollerStatus,
    private readonly metrics: PollerMetrics,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'leadership' });
    this.setLeaderGauge(false);
  }

  get leading(): boolean {
    return this.leadingValue;
  }

  /**
   * Leads after this call (true) or stands by (false). A leader renews its lease here,
   * every loop: LeaseLostError when another poller has it now.
   */
  async ensure(signal?: AbortSignal): Promise<boolean> {
    if (this.leadingValue) {
      await this.lease.renew();
      return true;
    }
    if (!(await this.lease.tryAcquire())) {
      if (this.status.role !== 'stopping') this.status.role = 'standby';
      return false;
    }
    await this.takeOver(signal);
    return true;
  }

  /** Back to standby without a word to Redis or the hub (shutdown does those itself). */
  markStandby(): void {
    if (this.leadingValue) this.setLeaderGauge(false);
    this.leadingValue = false;
    this.status.leadingSince = null;
    this.inFlight.forget();
    if (this.status.role === 'leader') this.status.role = 'standby';
    this.status.ready = false;
  }

  async stepDown(reason: string): Promise<void> {
    if (this.leadingValue) this.logger.warn({ reason }, 'stepping down to standby');
    this.markStandby();
    await this.lease.release();
  }

  /** The hub closed our session or gave the exclusive lock to another session. */
  async onSessionLost(err: Error): Promise<void> {
    this.logger.warn(
      { err: { name: err.name, message: err.message } },
      "the hub no longer takes this poller's session (another poller took the host over?)",
    );
    await this.stepDown('hub session lost');
    await this.hub.dropSession();
  }

  private async takeOver(signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    const hostId = await this.hub.takeExclusive(signal);
    await this.inFlight.load();
    this.lease.assertHeld('lead');
    this.leadingValue = true;
    this.status.leadingSince = performance.now();
    this.status.role = 'leader';
    this.setLeaderGauge(true);
    this.metrics.takeovers.inc();
    this.logger.info(
      {
        hostId,
        sessionId: this.hub.sessionId,
        leaseToken: this.lease.token,
        inFlight: this.inFlight.size,
        ms: Math.round(performance.now() - started),
      },
      "became the leader: holding the host's exclusive session",
    );
  }

  private setLeaderGauge(leading: boolean): void {
    this.metrics.leader.set({ poller_id: this.config.pollerId }, leading ? 1 : 0);
  }
}
