import { Redis } from 'ioredis';
import { amqpTopology } from '@koji-farm/contracts';
import { ContainerManager, type ContainerSummary } from '@koji-farm/container';
import { AmqpConnection } from '@koji-farm/messaging';
import { NAMESPACE_LABEL } from './farm-environment';

/**
 * Removes what a farm of one namespace leaves behind once its processes are gone:
 * containers (none, when the executors stopped cleanly), queues and exchanges, Redis keys.
 * Used after a farm stops, and before a farm starts in a namespace a crashed run may have left.
 */
export class FarmCleanup {
  constructor(
    private readonly target: {
      namespace: string;
      amqpUrl: string;
      redisUrl: string;
      podmanSocket: string;
      arches: readonly string[];
    },
  ) {}

  /** Containers of this namespace; each is removed. Returns what was found. */
  async removeContainers(): Promise<ContainerSummary[]> {
    const manager = new ContainerManager({ socketPath: this.target.podmanSocket });
    try {
      const found = await manager.listByLabel({ [NAMESPACE_LABEL]: this.target.namespace });
      for (const container of found) await manager.remove(container, { force: true });
      return found;
    } finally {
      manager.close();
    }
  }

  async deleteBrokerTopology(): Promise<void> {
    const names = amqpTopology(this.target.namespace);
    const connection = await AmqpConnection.connect({
      url: this.target.amqpUrl,
      connectionName: `farm-launcher cleanup ${this.target.namespace}`,
      connectAttempts: 3,
      retryDelayMs: 200,
    });
    try {
      const queues = [
        names.orchestrateQueue,
        names.tasksDeadQueue,
        names.tasksDeadPollerQueue,
        names.eventsLogQueue,
        ...this.target.arches.map((arch) => names.taskQueue(arch)),
      ];
      const exchanges = [
        names.tasksExchange,
        names.tasksDeadLetterExchange,
        names.controlExchange,
        names.eventsExchange,
      ];
      // A channel closes on the first failed delete, so each gets its own.
      for (const queue of queues) await connection.withChannel((ch) => ch.deleteQueue(queue));
      for (const exchange of exchanges) await connection.withChannel((ch) => ch.deleteExchange(exchange));
    } finally {
      await connection.close();
    }
  }

  /** Deletes every key under `<namespace>:`. */
  async deleteRedisKeys(): Promise<number> {
    const redis = new Redis(this.target.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    let deleted = 0;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.target.namespace}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0');
      return deleted;
    } finally {
      redis.disconnect();
    }
  }
}
