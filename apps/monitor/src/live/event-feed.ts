import { setTimeout as delay } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { REDIS_KEY_PREFIX } from '@koji-farm/redis';
import { RegistryKeys } from '../registry/registry-keys';
import { type FeedEntry, toFeedEntry } from './feed-entry';

/** Receives each batch of new entries, in stream order. */
export type FeedListener = (entries: readonly FeedEntry[]) => void;

const READ_COUNT = 500;
const BLOCK_MS = 1000;
const RETRY_MS = 500;

/**
 * The replica's one reader of the Redis event stream (XREAD BLOCK on its own connection).
 * It hands every new entry, in stream order, to the WebSocket clients and log followers
 * of this replica; whatever replica folded an event, every replica's clients see it.
 */
@Injectable()
export class EventFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private reader?: Redis;
  private lastId = '0-0';
  private readonly listeners = new Set<FeedListener>();
  private loop?: Promise<void>;
  private stopping = false;

  constructor(
    @Inject(Redis) private readonly redis: Redis,
    @Inject(REDIS_KEY_PREFIX) private readonly prefix: string,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(EventFeed.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.reader = this.redis.duplicate({ connectionName: 'monitor-event-feed', lazyConnect: true });
    await this.reader.connect();
    const [last] = await this.redis.xrevrange(RegistryKeys.events, '+', '-', 'COUNT', 1);
    this.lastId = last?.[0] ?? '0-0';
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    try {
      this.reader?.disconnect();
    } catch (err) {
      this.logger.debug({ err }, 'error while closing the event feed connection');
    }
    await this.loop;
  }

  /** The id of the last entry handed to listeners: entries after it reach a listener added now. */
  get cursor(): string {
    return this.lastId;
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Entries after `afterId` (exclusive) up to `untilId` (inclusive), oldest first. */
  async range(afterId: string, untilId: string, count: number): Promise<FeedEntry[]> {
    const entries = await this.redis.xrange(RegistryKeys.events, `(${afterId}`, untilId, 'COUNT', count);
    return entries.map(([id, fields]) => toFeedEntry(id, fields));
  }

  /** The highest id trimmed off the stream ('0-0' when nothing was): a cursor below it has lost entries. */
  async maxDeletedId(): Promise<string> {
    // ioredis does not prefix XINFO's key.
    const info = (await this.redis
      .call('XINFO', 'STREAM', this.prefix + RegistryKeys.events)
      .catch(() => null)) as unknown[] | null;
    if (!info) return '0-0';
    const at = info.indexOf('max-deleted-entry-id');
    return at >= 0 ? String(info[at + 1]) : '0-0';
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const reply = await this.reader!.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          RegistryKeys.events,
          this.lastId,
        );
        for (const [, entries] of reply ?? []) {
          if (entries.length > 0) this.dispatch(entries.map(([id, fields]) => toFeedEntry(id, fields)));
        }
      } catch (err) {
        if (this.stopping) return;
        this.logger.warn({ err }, 'reading the Redis event stream failed; retrying');
        await delay(RETRY_MS);
      }
    }
  }

  private dispatch(entries: readonly FeedEntry[]): void {
    for (const listener of this.listeners) {
      try {
        listener(entries);
      } catch (err) {
        this.logger.error({ err, cursor: entries[0].id }, 'a live event listener failed');
      }
    }
    this.lastId = entries.at(-1)!.id;
  }
}
