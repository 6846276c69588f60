import { randomUUID } from 'node:crypto';
import { createRedisClient } from '@koji-farm/redis';
import { silentLogger } from '@koji-farm/observability';
import { type LeaderLease } from '../../apps/hub-poller/src/lease/leader-lease';
import { InFlightStore } from '../../apps/hub-poller/src/state/in-flight-store';

/**
 * A task's messages get ever higher generations, also across poller restarts and when the
 * hub frees a task and assigns it again, so executors never number two attempts of a task
 * alike (the monitor folds events by `(taskId, attempt, seq)`).
 */
describe(`${InFlightStore.name} generations`, () => {
  const keyPrefix = `test-gen-${randomUUID().slice(0, 8)}:`;
  const redis = createRedisClient({
    url: 'redis://127.0.0.1:6379',
    keyPrefix,
    connectionName: 'test-generation',
  });
  const lease = { assertHeld: () => undefined } as unknown as LeaderLease;

  beforeAll(() => redis.connect());
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(keyPrefix.length)));
    await redis.quit();
  });

  it('counts up per task, across store instances, and expires eventually', async () => {
    const first = new InFlightStore(redis, lease, silentLogger);
    expect(await first.nextGeneration(41)).toBe(1);
    expect(await first.nextGeneration(41)).toBe(2);
    expect(await first.nextGeneration(42)).toBe(1);
    const afterRestart = new InFlightStore(redis, lease, silentLogger);
    expect(await afterRestart.nextGeneration(41)).toBe(3);
    expect(await redis.pttl('poller:generation:41')).toBeGreaterThan(24 * 3600 * 1000);
  });

  it('goes above a floor known from elsewhere when Redis lost the counter (issue 17.2)', async () => {
    const store = new InFlightStore(redis, lease, silentLogger);
    expect(await store.nextGeneration(51)).toBe(1);
    expect(await store.nextGeneration(51)).toBe(2);
    await redis.del('poller:generation:51');
    // an executor's heartbeat says it runs generation 2
    expect(await store.nextGeneration(51, 2)).toBe(3);
    expect(await store.nextGeneration(51, 2)).toBe(4);
  });
});
