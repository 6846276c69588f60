import { setTimeout as delay } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type LoggerLike } from '@koji-farm/observability';
import { HeartbeatListener } from '../capacity/heartbeat-listener';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { DeadLetterConsumer } from '../dead-letters/dead-letter-consumer';
import { LeaseLostError } from '../errors/lease-lost.error';
import { PollerMetrics } from '../health/poller-metrics';
import { HubGateway } from '../hub/hub-gateway';
import { SessionHandover } from '../handover/session-handover';
import { LeaderLease } from '../lease/leader-lease';
import { LeaseReleaseNotice } from '../lease/lease-release-notice';
import { HostLoop } from '../loop/host-loop';
import { TaskPublisher } from '../messaging/task-publisher';
import { InFlightStore } from '../state/in-flight-store';
import { Leadership } from './leadership';
import { POLLER_LOGGER } from './poller-logger';
import { PollerStatus } from './poller-status';
import { StatusBeacon } from './status-beacon';

/** How long shutdown lets a running loop finish before aborting its hub calls. */
const LOOP_GRACE_MS = 10_000;
/** Bound on each hub call of the shutdown itself (the hub may be down). */
const SHUTDOWN_CALL_MS = 5_000;

/**
 * The poller's life: every POLL_INTERVAL it logs in if needed, takes or renews the
 * leader lease, and — while leading — runs the host loop and consumes the dead task
 * messages (which it fails on the hub). A loop that fails is logged
 * and the next one starts on time; only shutdown ends the cycle. On SIGTERM it stops
 * taking tasks, reports `host.updateHost(0, False)` and releases the lease (standbys hear
 * of it at once), but does not log out: the hub's logout would close the subsessions of
 * every running build with it. The next leader takes the host over and hands the running
 * attempts subsessions of its own (ADR 0082). A standby tries the lease as soon as a
 * leader announces its release, not at its next turn.
 */
@Injectable()
export class PollerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;
  private cycle?: Promise<void>;
  private sleeper = new AbortController();
  /** Ends the current sleep early (a released lease), not the cycle. */
  private nap = new AbortController();
  private loopAbort = new AbortController();
  private keepAlive?: NodeJS.Timeout;
  private readonly logger: LoggerLike;

  constructor(
    private readonly hub: HubGateway,
    private readonly lease: LeaderLease,
    private readonly leadership: Leadership,
    private readonly hostLoop: HostLoop,
    private readonly inFlight: InFlightStore,
    private readonly publisher: TaskPublisher,
    private readonly heartbeats: HeartbeatListener,
    private readonly handover: SessionHandover,
    private readonly releases: LeaseReleaseNotice,
    private readonly deadLetters: DeadLetterConsumer,
    private readonly beacon: StatusBeacon,
    private readonly status: PollerStatus,
    private readonly metrics: PollerMetrics,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'poller' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.publisher.start();
    await this.heartbeats.start();
    await this.handover.start();
    this.releases.listen(() => this.wakeForLease());
    this.beacon.start();
    this.status.role = 'standby';
    this.keepAlive = setInterval(
      () => void this.renewInBackground(),
      Math.max(100, this.config.leaseTtlMs / 3),
    );
    this.cycle = this.runCycle();
    this.logger.info(
      {
        pollIntervalMs: this.config.pollIntervalMs,
        leaseTtlMs: this.config.leaseTtlMs,
        hub: this.config.hub.url,
      },
      'hub-poller running',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.status.role = 'stopping';
    clearInterval(this.keepAlive);
    this.sleeper.abort();
    await this.waitForLoop();
    await this.step('stop consuming dead letters', () => this.deadLetters.stop());
    await this.step('stop listening to heartbeats', () => this.heartbeats.stop());
    await this.step('stop listening for released leases', () => this.releases.stop());
    const leading = this.leadership.leading;
    if (leading) {
      await this.step('report the host not ready', () =>
        this.hub.updateHost(0, false, null, AbortSignal.timeout(SHUTDOWN_CALL_MS)),
      );
    }
    this.leadership.markStandby();
    await this.step('release the lease', () => this.lease.release());
    await this.step('stop the handover replies', () => this.handover.stop());
    if (leading) {
      // The running builds' subsessions live as long as this master session: the next
      // leader's forced exclusive session closes it, and hands them subsessions of its own.
      this.logger.info(
        'leaving the master session open for the running builds; the next leader takes it over',
      );
      await this.step('drop the hub session', () => this.hub.dropSession());
    } else {
      await this.step('log out of the hub', () => this.hub.logout(AbortSignal.timeout(SHUTDOWN_CALL_MS)));
    }
    this.status.role = 'stopped';
    this.status.ready = false;
    await this.step('publish the last heartbeat', () => this.beacon.stop());
    this.logger.info(
      { inFlight: this.inFlight.size },
      'hub-poller stopped; queued tasks stay with the executors',
    );
  }

  /** True while the cycle runs (liveness). */
  get alive(): boolean {
    return this.cycle !== undefined && !this.stopping;
  }

  private async runCycle(): Promise<void> {
    while (!this.stopping) {
      const started = performance.now();
      await this.tick();
      const rest = this.config.pollIntervalMs - (performance.now() - started);
      await this.sleep(Math.max(0, rest));
    }
  }

  /** One turn; never throws. */
  private async tick(): Promise<void> {
    this.loopAbort = new AbortController();
    const signal = this.loopAbort.signal;
    this.status.loopRunning = true;
    try {
      if (!(await this.login(signal))) return;
      if (!(await this.leadership.ensure(signal))) return;
      const result = await this.hostLoop.run(() => this.stopping, signal);
      this.status.lastLoopError = null;
      if (result.queued > 0) this.logger.debug({ queued: result.queued }, 'host loop queued tasks');
    } catch (err) {
      await this.onLoopError(err);
    } finally {
      this.status.loopRunning = false;
      this.status.lastLoopAt = new Date();
      // Only the leader fails dead-lettered tasks on the hub (ADR 0058).
      await this.deadLetters.follow(this.leadership.leading && !this.stopping);
    }
  }

  /** False (logged) when the hub refused or could not be reached: the next turn tries again. */
  private async login(signal: AbortSignal): Promise<boolean> {
    if (this.hub.loggedIn) return true;
    try {
      await this.hub.login(signal);
      return true;
    } catch (err) {
      this.status.lastLoopError = err instanceof Error ? err.message : String(err);
      this.metrics.loopErrors.inc({ error: 'LoginFailed' });
      if (!signal.aborted) this.logger.error({ err }, 'cannot log in to the hub; trying again next turn');
      return false;
    }
  }

  private async onLoopError(err: unknown): Promise<void> {
    const name = err instanceof Error ? err.name : 'Error';
    this.status.lastLoopError = err instanceof Error ? err.message : String(err);
    this.metrics.loopErrors.inc({ error: name });
    if (err instanceof LeaseLostError) {
      await this.leadership.stepDown(err.message);
    } else if (HubGateway.isSessionLost(err)) {
      await this.leadership.onSessionLost(err as Error);
    } else if (this.stopping && this.loopAbort.signal.aborted) {
      this.logger.info('host loop aborted for shutdown');
    } else {
      this.logger.error(
        { err, leader: this.leadership.leading },
        'host loop failed; the next one starts on time',
      );
    }
  }

  /** The keep-alive between loops: a leader waiting out a slow hub keeps its lease. */
  private async renewInBackground(): Promise<void> {
    // Also while the lease is held but the hub session not yet taken (hub down at takeover).
    if (this.lease.value === null || this.stopping) return;
    try {
      await this.lease.renew();
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.logger.warn({ reason: err.message }, 'lost the leader lease; aborting the running loop');
        this.loopAbort.abort(err);
      } else {
        this.logger.warn(
          { err },
          'could not renew the leader lease (Redis); it stays valid until it runs out',
        );
      }
    }
  }

  private async waitForLoop(): Promise<void> {
    if (!this.cycle) return;
    const grace = delay(LOOP_GRACE_MS, 'timeout' as const, { ref: false });
    if ((await Promise.race([this.cycle.then(() => 'done' as const), grace])) === 'timeout') {
      this.logger.warn('the running host loop did not finish in time; aborting its hub calls');
      this.loopAbort.abort(new Error('shutdown'));
      await this.cycle;
    }
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopping) return;
    this.nap = new AbortController();
    try {
      await delay(ms, undefined, { signal: AbortSignal.any([this.sleeper.signal, this.nap.signal]) });
    } catch {
      // woken up for shutdown, or to take a released lease
    }
  }

  /** Another poller released the lease: a standby tries to take it now. */
  private wakeForLease(): void {
    if (this.stopping || this.leadership.leading) return;
    this.logger.info('the leader released its lease; trying to take it now');
    this.nap.abort();
  }

  private async step(what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.logger.warn({ err }, `shutdown: could not ${what}`);
    }
  }
}
