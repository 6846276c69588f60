import { Redis } from 'ioredis';
import { amqpTopology } from '@koji-farm/contracts';
import { AmqpConnection } from '@koji-farm/messaging';
import { redisKeyPrefix } from './farm-spec';

/** Where a farm's namespace lives: the broker and Redis it shares with other farms. */
export interface NamespaceTarget {
  namespace: string;
  amqpUrl: string;
  redisUrl: string;
  arches: readonly string[];
}

/**
 * What says a farm is running in `namespace` now, as sentences (empty: nobody). A farm's
 * clean-up deletes the namespace's queues and keys, so it must not run while one of these
 * holds: a consumer on one of its queues (a monitor on the events log, a poller on the
 * dead letters, executors on task queues), a hub-poller's leader lease, an executor's
 * heartbeat key (both expire within seconds of their process's end).
 */
export async function namespaceOccupants(target: NamespaceTarget): Promise<string[]> {
  return [...(await queueConsumers(target)), ...(await liveRedisKeys(target))];
}

async function queueConsumers(target: NamespaceTarget): Promise<string[]> {
  const names = amqpTopology(target.namespace);
  const queues = [
    names.eventsLogQueue,
    names.tasksDeadPollerQueue,
    names.orchestrateQueue,
    ...target.arches.map((arch) => names.taskQueue(arch)),
  ];
  const connection = await AmqpConnection.connect({
    url: target.amqpUrl,
    connectionName: `farm-launcher occupancy ${target.namespace}`,
    connectAttempts: 3,
    retryDelayMs: 200,
  });
  try {
    const found: string[] = [];
    for (const queue of queues) {
      // A missing queue closes its channel (404): each check gets its own.
      const consumers = await connection
        .withChannel((ch) => ch.checkQueue(queue))
        .then(
          (q) => q.consumerCount,
          () => 0,
        );
      if (consumers > 0) found.push(`${consumers} consumer(s) on queue ${queue}`);
    }
    return found;
  } finally {
    await connection.close();
  }
}

async function liveRedisKeys(target: NamespaceTarget): Promise<string[]> {
  const prefix = redisKeyPrefix(target.namespace);
  const redis = new Redis(target.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    const found: string[] = [];
    // apps/hub-poller/src/state/redis-keys.ts and apps/executor's ExecutorStateStore.
    if ((await redis.exists(`${prefix}poller:lease`)) === 1)
      found.push(`a hub-poller holds ${prefix}poller:lease`);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}executor-alive:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys)
        found.push(`executor ${key.slice(`${prefix}executor-alive:`.length)} heartbeats`);
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}
