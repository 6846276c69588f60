import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type LoggerLike } from '@koji-farm/observability';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { REDIS_KEYS } from '../state/redis-keys';

/**
 * A leader that gives its lease up (SIGTERM, stepping down) says so on a Redis channel;
 * a standby listening tries to take the lease at once instead of at its next turn, so a
 * planned restart hands over in well under a poll interval (ADR 0082). The notice is
 * only a wake-up call: the lease itself (SET NX) still decides who leads. Pub/sub does
 * not apply ioredis' key prefix, so the channel carries it.
 */
@Injectable()
export class LeaseReleaseNotice {
  private subscriber?: Redis;
  private readonly channel: string;
  private readonly logger: LoggerLike;

  constructor(
    private readonly redis: Redis,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.channel = `${redis.options.keyPrefix ?? ''}${REDIS_KEYS.leaseReleased}`;
    this.logger = logger.child({ component: 'lease' });
  }

  /** Tells standbys the lease is free. Never throws (they try on their next turn anyway). */
  async announce(token: number): Promise<void> {
    try {
      await this.redis.publish(this.channel, String(token));
    } catch (err) {
      this.logger.debug({ err }, 'could not announce the released lease');
    }
  }

  /**
   * Calls `onReleased` for every release announced from now on (a connection of its own,
   * subscribed again after a reconnection). Does not wait for Redis: a poller starts
   * without it, as before.
   */
  listen(onReleased: () => void): void {
    if (this.subscriber) return;
    const subscriber = this.redis.duplicate({ lazyConnect: false });
    this.subscriber = subscriber;
    subscriber.on('message', (channel) => {
      if (channel === this.channel) onReleased();
    });
    subscriber.on('error', (err) => this.logger.debug({ err }, 'lease notice subscription error'));
    subscriber.subscribe(this.channel).catch((err: unknown) => {
      this.logger.warn({ err }, 'cannot listen for released leases; a standby takes over at its next turn');
    });
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  }
}
