import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ContainerNotFoundError } from '../errors/container-not-found.error';
import { RegistryKeys } from '../registry-keys';
import { type ContainerView } from '../views/farm.views';
import { type Hash, num, text, time } from './hash-fields';

export type ContainerFilter = 'active' | 'all' | ContainerView['state'];

/** Reads containers, newest first. */
@Injectable()
export class ContainerReader {
  constructor(@Inject(Redis) private readonly redis: Redis) {}

  async list(filter: ContainerFilter, limit: number): Promise<ContainerView[]> {
    const index = filter === 'active' ? RegistryKeys.activeContainers : RegistryKeys.containers;
    const wanted = filter === 'active' || filter === 'all' ? null : filter;
    const views: ContainerView[] = [];
    const batch = Math.max(limit, 200);
    for (let start = 0; views.length < limit; start += batch) {
      const ids = await this.redis.zrevrange(index, start, start + batch - 1);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(RegistryKeys.container(id));
      for (const [err, hash] of (await pipeline.exec()) ?? []) {
        const h = hash as Hash;
        if (err || !h.id) continue;
        const view = toContainerView(h);
        if (wanted === null || view.state === wanted) views.push(view);
        if (views.length === limit) break;
      }
      if (ids.length < batch) break;
    }
    return views;
  }

  /** @throws ContainerNotFoundError */
  async get(containerId: string): Promise<ContainerView> {
    const hash: Hash = await this.redis.hgetall(RegistryKeys.container(containerId));
    if (!hash.id) throw new ContainerNotFoundError(containerId);
    return toContainerView(hash);
  }
}

function toContainerView(h: Hash): ContainerView {
  const state = h.state;
  return {
    id: h.id!,
    taskId: num(h, 'taskId'),
    attempt: num(h, 'attempt'),
    executorId: text(h, 'executorId'),
    image: text(h, 'image'),
    state: state === 'running' || state === 'removed' || state === 'kept' ? state : 'created',
    createdAt: time(h, 'createdAt'),
    startedAt: time(h, 'startedAt'),
    removedAt: time(h, 'removedAt'),
  };
}
