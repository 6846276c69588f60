import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TaskLeaseStore } from '../../apps/executor/src/tasks/lease/task-lease.store';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** Two executor processes' lease stores on the machine's Redis, under a prefix of the test's own. */
describe('the per-task lease in Redis (ADR 0083)', () => {
  const prefix = `test-lease-${randomBytes(4).toString('hex')}:`;
  let redis: Redis;
  const store = (executorId: string, ttlMs = 5000) =>
    new TaskLeaseStore(redis, { executorId, lease: { ttlMs, waitMs: 1000 } });

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { keyPrefix: prefix, lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(prefix.length)));
    redis.disconnect();
  });

  it('numbers the attempts of a task 1, 2, 3 as holders change, and lets one holder at a time', async () => {
    const a = store('exec-a');
    const b = store('exec-b');
    expect(await a.acquire(101, 1)).toEqual({ kind: 'acquired', attempt: 1 });
    expect(await a.acquire(101, 1)).toEqual({ kind: 'mine', attempt: 1 });
    expect(await b.acquire(101, 1)).toMatchObject({ kind: 'held', attempt: 1, holder: a.holder });
    // A requeued attempt frees the task at once: the next holder is attempt 2.
    expect(await a.release(101, 1)).toBe(true);
    expect(await b.acquire(101, 1)).toEqual({ kind: 'acquired', attempt: 2 });
    // Settled: a leftover message of that generation finds it so; a newer generation runs, as attempt 3.
    expect(await b.release(101, 2, 'closed')).toBe(true);
    expect(await a.acquire(101, 1)).toMatchObject({ kind: 'settled', attempt: 2, outcome: 'closed' });
    expect(await a.acquire(101, 2)).toEqual({ kind: 'acquired', attempt: 3 });
  });

  it('fences off a holder whose lease expired and was taken over; a restarted executor of the same id is another holder', async () => {
    const a = store('exec-a', 300);
    const again = store('exec-a', 300);
    expect(a.holder).not.toBe(again.holder);
    expect(await a.acquire(102, 1)).toEqual({ kind: 'acquired', attempt: 1 });
    expect(await a.check(102, 1, 1)).toBe('held');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        void redis.exists('executor:task-lease:102').then((n) => {
          if (n === 0) {
            clearInterval(poll);
            resolve();
          }
        });
      }, 50);
    });
    expect(await again.acquire(102, 1)).toEqual({ kind: 'acquired', attempt: 2 });
    expect(await a.check(102, 1, 1)).toBe('lost');
    expect(await a.release(102, 1, 'closed')).toBe(false);
    expect(await again.check(102, 2, 1)).toBe('held');
  });

  it('takes its lease again when it vanished (Redis flushed) and nobody took it, keeping the attempt number', async () => {
    const a = store('exec-a');
    const b = store('exec-b');
    expect(await a.acquire(103, 1)).toEqual({ kind: 'acquired', attempt: 1 });
    await redis.del('executor:task-lease:103', 'executor:task-attempts:103');
    expect(await a.check(103, 1, 1)).toBe('retaken');
    expect(await b.acquire(103, 1)).toMatchObject({ kind: 'held', attempt: 1 });
    await a.release(103, 1);
    expect(await b.acquire(103, 1)).toEqual({ kind: 'acquired', attempt: 2 });
  });
});
