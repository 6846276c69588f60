import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { HEARTBEAT_INTERVAL_MS, HEARTBEATS_BEFORE_GONE } from '@koji-farm/contracts';
import { REDIS_KEY_PREFIX } from '@koji-farm/redis';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config';
import { FoldRejectedError } from './errors/fold-rejected.error';
import { type EncodedEvent, foldArguments, type FoldSettings } from './fold-arguments';
import { RegistryKeys } from './registry-keys';
import { defineRegistryScripts, FOLD_STATUSES, type FoldStatus } from './registry-scripts';

/** Where a batch ends in the stream: the folded offset may move to `offset` if it covers `previousOffset`. */
export interface BatchPosition {
  offset: number;
  previousOffset: number;
}

/** The outcome of one fold: a status, or why Redis refused this event alone. */
export type FoldOutcome = FoldStatus | FoldRejectedError;

/** Executors (and pollers) silent for this long are gone. */
export const GONE_AFTER_MS = HEARTBEAT_INTERVAL_MS * HEARTBEATS_BEFORE_GONE;

/** Events per script call: enough to spread the cost of a call, few enough to keep Redis responsive. */
const EVENTS_PER_CALL = 32;

/**
 * The write side of the registry: folds events with the fold script, owns the registry's
 * generation (epoch) and folded offset, and sweeps expired history. Every write goes
 * through a Lua script, so replicas folding the same events at once agree.
 */
@Injectable()
export class RegistryWriter {
  readonly settings: FoldSettings;

  constructor(
    @Inject(Redis) private readonly redis: Redis,
    @Inject(REDIS_KEY_PREFIX) private readonly prefix: string,
    @Inject(MONITOR_CONFIG) config: MonitorConfig,
  ) {
    defineRegistryScripts(redis);
    this.settings = {
      ...config.history,
      goneMs: GONE_AFTER_MS,
      logMaxBytes: config.logMaxBytes,
      eventStreamMaxLength: config.eventStreamMaxLength,
    };
  }

  /**
   * Folds events in order, in one round trip; `end` (given for the last batch of a stream
   * read) lets the folded offset move past them.
   * @throws the connection error when Redis could not be reached (then nothing is known to be folded).
   */
  async fold(events: readonly EncodedEvent[], epoch: string, end?: BatchPosition): Promise<FoldOutcome[]> {
    // A batch with no valid event still moves the folded offset past itself.
    if (events.length === 0 && !end) return [];
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (let i = 0; i < Math.max(events.length, 1); i += EVENTS_PER_CALL) {
      const last = i + EVENTS_PER_CALL >= events.length;
      const position = {
        epoch,
        offset: last ? end?.offset : undefined,
        previousOffset: end?.previousOffset ?? -1,
      };
      pipeline.kojiFarmFold(
        ...foldArguments(this.prefix, now, position, this.settings, events.slice(i, i + EVENTS_PER_CALL)),
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    const outcomes: FoldOutcome[] = [];
    replies.forEach(([err, statuses], call) => {
      if (err) throw err;
      (statuses as string[]).forEach((status, j) => {
        if (FOLD_STATUSES.includes(status)) {
          outcomes.push(status as FoldStatus);
        } else {
          const [type, id] = events[call * EVENTS_PER_CALL + j].header;
          outcomes.push(new FoldRejectedError(type, id, { cause: new Error(status) }));
        }
      });
    });
    return outcomes;
  }

  async currentEpoch(): Promise<string | null> {
    return this.redis.get(RegistryKeys.epoch);
  }

  /** The registry's generation: the existing one, or a new one when Redis has none. */
  async claimEpoch(): Promise<{ epoch: string; created: boolean }> {
    const created = (await this.redis.set(RegistryKeys.epoch, randomUUID(), 'NX')) === 'OK';
    const epoch = await this.redis.get(RegistryKeys.epoch);
    if (epoch === null) return this.claimEpoch();
    return { epoch, created };
  }

  /** Every event up to this stream offset has been folded (null: nothing yet, or state lost). */
  async foldedOffset(): Promise<number | null> {
    const value = await this.redis.get(RegistryKeys.offset);
    return value === null ? null : Number(value);
  }

  /** Drops history whose time has come; returns how many things were dropped. */
  async sweep(now: number, limit: number): Promise<number> {
    return this.redis.kojiFarmSweep(this.prefix, String(now), String(limit));
  }
}
