import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ExecutorNotFoundError } from '../errors/executor-not-found.error';
import { RegistryKeys } from '../registry-keys';
import { GONE_AFTER_MS } from '../registry-writer';
import { type ExecutorView, type PollerView } from '../views/farm.views';
import { flag, type Hash, jsonField, num, text, time } from './hash-fields';

/** Reads executors and pollers; liveness is judged against the reader's clock. */
@Injectable()
export class ExecutorReader {
  constructor(@Inject(Redis) private readonly redis: Redis) {}

  /** Every executor in the registry, most recently heard first. */
  async list(now = Date.now()): Promise<ExecutorView[]> {
    const ids = await this.redis.zrevrange(RegistryKeys.executors, 0, -1);
    const hashes = await this.hashes(ids.map((id) => RegistryKeys.executor(id)));
    return hashes.filter((h) => h.id).map((h) => toExecutorView(h, now));
  }

  /** @throws ExecutorNotFoundError */
  async get(executorId: string, now = Date.now()): Promise<ExecutorView> {
    const hash: Hash = await this.redis.hgetall(RegistryKeys.executor(executorId));
    if (!hash.id) throw new ExecutorNotFoundError(executorId);
    return toExecutorView(hash, now);
  }

  async pollers(now = Date.now()): Promise<PollerView[]> {
    const ids = await this.redis.zrevrange(RegistryKeys.pollers, 0, -1);
    const hashes = await this.hashes(ids.map((id) => RegistryKeys.poller(id)));
    return hashes.filter((h) => h.id).map((h) => toPollerView(h, now));
  }

  private async hashes(keys: string[]): Promise<Hash[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(key);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, hash]) => (err ? {} : (hash as Hash)));
  }
}

export function toExecutorView(h: Hash, now: number): ExecutorView {
  const lastHeartbeat = num(h, 'hbAt');
  const stoppedAt = num(h, 'stoppedAt');
  const stopped = stoppedAt !== null && (lastHeartbeat === null || stoppedAt >= lastHeartbeat);
  const alive = !stopped && lastHeartbeat !== null && now - lastHeartbeat <= GONE_AFTER_MS;
  // What the newest heartbeat said; a stopped or gone executor has no live problem.
  const problems = alive ? jsonField<ExecutorView['problems']>(h, 'problems', []) : [];
  return {
    id: h.id!,
    hostname: text(h, 'hostname'),
    state: stopped ? 'stopped' : alive ? 'alive' : 'gone',
    arches: jsonField<string[]>(h, 'arches', []),
    methods: jsonField<string[]>(h, 'methods', []),
    slots: num(h, 'slots') ?? 0,
    busy: num(h, 'busy') ?? 0,
    orchestrating: num(h, 'orchestrating') ?? 0,
    orchestrationSlots: num(h, 'orchestrationSlots') ?? 0,
    load: num(h, 'load') ?? 0,
    version: text(h, 'version'),
    startedAt: time(h, 'startedAt'),
    lastHeartbeatAt: time(h, 'hbAt'),
    stoppedAt: stopped ? time(h, 'stoppedAt') : null,
    stopReason: stopped ? text(h, 'stopReason') : null,
    healthy: problems.length === 0,
    problems,
  };
}

function toPollerView(h: Hash, now: number): PollerView {
  const lastHeartbeat = num(h, 'hbAt');
  const hub = jsonField<{
    url?: string;
    connected?: boolean;
    lastOkAt?: string | null;
    hostId?: number | null;
  }>(h, 'hub', {});
  return {
    id: h.id!,
    alive: lastHeartbeat !== null && now - lastHeartbeat <= GONE_AFTER_MS,
    leader: flag(h, 'leader'),
    ready: flag(h, 'ready'),
    inFlight: num(h, 'inFlight') ?? 0,
    hub: {
      url: hub.url ?? '',
      connected: hub.connected ?? false,
      lastOkAt: hub.lastOkAt ?? null,
      hostId: hub.hostId ?? null,
    },
    startedAt: time(h, 'startedAt'),
    lastHeartbeatAt: time(h, 'hbAt'),
  };
}
