import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type LoggerLike } from '@koji-farm/observability';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { LeaseLostError } from '../errors/lease-lost.error';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { REDIS_KEYS } from '../state/redis-keys';
import { LeaseReleaseNotice } from './lease-release-notice';
import { NEXT_TOKEN, RELEASE_LEASE, RENEW_LEASE } from './lease-scripts';

interface Holding {
  value: string;
  token: number;
  /** performance.now() after which we no longer count on the lease. */
  validUntil: number;
}

/** Who holds the lease, as read from Redis. */
export interface LeaseHolder {
  token: number;
  pollerId: string;
  instance: string;
}

/**
 * The leader lease (ADR 0051): `SET poller:lease "<token> <pollerId> <instance>" NX PX
 * ttl`, extended by its holder only (compare-and-PEXPIRE in Lua), released on shutdown
 * (compare-and-DEL). `token` comes from INCR, so every acquisition has a larger one; a
 * counter Redis lost starts again from Redis's clock (ms), larger still (issue 17.2).
 *
 * Fencing: the holder counts on the lease only until `validUntil`, measured on the
 * monotonic clock from the moment the last successful renewal was *sent*, minus a
 * margin. A process that was paused (SIGSTOP, a VM freeze, a long GC) wakes up past
 * that point and must renew — which fails once another poller took over — before it
 * acts again. Writes to the in-flight set are fenced on the lease value in Redis too.
 */
@Injectable()
export class LeaderLease {
  /** This process incarnation; two pollers may share a POLLER_ID by mistake. */
  readonly instance = randomUUID().slice(0, 8);
  private holding: Holding | null = null;
  private readonly logger: LoggerLike;

  constructor(
    private readonly redis: Redis,
    private readonly notice: LeaseReleaseNotice,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'lease' });
  }

  /** True while the lease is ours and its validity has not run out locally. */
  get held(): boolean {
    return this.holding !== null && performance.now() < this.holding.validUntil;
  }

  /** The lease value, for fenced Redis writes; null when not holding. */
  get value(): string | null {
    return this.holding?.value ?? null;
  }

  get token(): number | null {
    return this.holding?.token ?? null;
  }

  /** Throws LeaseLostError unless the lease is (still) provably ours. */
  assertHeld(what: string): void {
    if (!this.held) throw new LeaseLostError(`not the leader any more (lease expired): will not ${what}`);
  }

  /** Tries once to take a free lease. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return true;
    if (this.holding) {
      // Ours until recently (e.g. held while the hub session could not be taken): extend it.
      try {
        await this.renew();
        return true;
      } catch (err) {
        if (!(err instanceof LeaseLostError)) throw err;
      }
    }
    if ((await this.redis.exists(REDIS_KEYS.lease)) === 1) return false;
    const token = Number(await this.redis.eval(NEXT_TOKEN, 1, REDIS_KEYS.leaseToken));
    const value = `${token} ${this.config.pollerId} ${this.instance}`;
    const sentAt = performance.now();
    const ok = await this.redis.set(REDIS_KEYS.lease, value, 'PX', this.config.leaseTtlMs, 'NX');
    if (ok !== 'OK') return false;
    this.holding = { value, token, validUntil: this.deadline(sentAt) };
    this.logger.info({ leaseToken: token }, 'acquired the leader lease');
    return true;
  }

  /**
   * Extends the lease. Throws LeaseLostError when it is gone or someone else's; a Redis
   * error propagates and leaves the local validity as it was (running out on its own).
   */
  async renew(): Promise<void> {
    const holding = this.holding;
    if (!holding) throw new LeaseLostError('not holding the lease');
    const sentAt = performance.now();
    const extended = await this.redis.eval(
      RENEW_LEASE,
      1,
      REDIS_KEYS.lease,
      holding.value,
      this.config.leaseTtlMs,
    );
    if (this.holding !== holding) throw new LeaseLostError('the lease was given up meanwhile');
    if (extended !== 1) {
      this.holding = null;
      throw new LeaseLostError('the leader lease expired and another poller may hold it');
    }
    holding.validUntil = this.deadline(sentAt);
  }

  /** Gives the lease up (shutdown, stepping down). Never throws. */
  async release(): Promise<void> {
    const holding = this.holding;
    this.holding = null;
    if (!holding) return;
    try {
      const released = await this.redis.eval(RELEASE_LEASE, 1, REDIS_KEYS.lease, holding.value);
      this.logger.info({ leaseToken: holding.token }, 'released the leader lease');
      if (released === 1) await this.notice.announce(holding.token);
    } catch (err) {
      this.logger.warn({ err }, 'could not release the leader lease; it expires on its own');
    }
  }

  /** Forgets the lease locally (after a LeaseLostError). */
  forget(): void {
    this.holding = null;
  }

  /** Who holds the lease now, or null. */
  async holder(): Promise<LeaseHolder | null> {
    const value = await this.redis.get(REDIS_KEYS.lease);
    if (!value) return null;
    const [token, pollerId, instance] = value.split(' ');
    return { token: Number(token), pollerId: pollerId ?? '', instance: instance ?? '' };
  }

  private deadline(sentAt: number): number {
    const ttl = this.config.leaseTtlMs;
    return sentAt + ttl - Math.min(500, ttl / 10);
  }
}
