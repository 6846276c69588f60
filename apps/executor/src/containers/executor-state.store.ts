import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * The executor's small shared state in Redis (keys under the farm's prefix, which
 * ioredis adds): which executors are alive (a key per executor that each heartbeat
 * renews and that expires when heartbeats stop) and which failed containers are kept
 * for debugging (a key per container that expires at the end of its TTL). The orphan
 * reaper reads both. The one adapter between the executor and Redis.
 */
@Injectable()
export class ExecutorStateStore {
  constructor(@Inject(Redis) private readonly redis: Redis) {}

  async markAlive(executorId: string, ttlMs: number): Promise<void> {
    await this.redis.set(aliveKey(executorId), new Date().toISOString(), 'PX', ttlMs);
  }

  async clearAlive(executorId: string): Promise<void> {
    await this.redis.del(aliveKey(executorId));
  }

  /** Which of `executorIds` have heartbeats that have not expired. */
  async aliveAmong(executorIds: readonly string[]): Promise<Set<string>> {
    if (executorIds.length === 0) return new Set();
    const values = await this.redis.mget(executorIds.map(aliveKey));
    return new Set(executorIds.filter((_, i) => values[i] !== null));
  }

  async markKept(containerId: string, ttlMs: number, note: string): Promise<void> {
    await this.redis.set(keptKey(containerId), note, 'PX', ttlMs);
  }

  /** Which of `containerIds` are kept for debugging and still within their TTL. */
  async keptAmong(containerIds: readonly string[]): Promise<Set<string>> {
    if (containerIds.length === 0) return new Set();
    const values = await this.redis.mget(containerIds.map(keptKey));
    return new Set(containerIds.filter((_, i) => values[i] !== null));
  }

  async forgetKept(containerId: string): Promise<void> {
    await this.redis.del(keptKey(containerId));
  }
}

function aliveKey(executorId: string): string {
  return `executor-alive:${executorId}`;
}

function keptKey(containerId: string): string {
  return `kept-container:${containerId}`;
}
