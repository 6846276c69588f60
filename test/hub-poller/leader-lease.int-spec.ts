import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { silentLogger } from '@koji-farm/observability';
import { type HubPollerConfig } from '../../apps/hub-poller/src/config/hub-poller.config';
import { LeaseLostError } from '../../apps/hub-poller/src/errors/lease-lost.error';
import { LeaderLease } from '../../apps/hub-poller/src/lease/leader-lease';
import { LeaseReleaseNotice } from '../../apps/hub-poller/src/lease/lease-release-notice';
import { InFlightStore } from '../../apps/hub-poller/src/state/in-flight-store';
import { type InFlightTask } from '../../apps/hub-poller/src/state/in-flight-task';
import { waitUntil } from '../reliability/support/wait-until';
import { testNamespace } from '../support/amqp';

jest.setTimeout(30_000);

const TTL_MS = 600;

/** Waits (polling with a deadline: Redis has no event for a key's expiry here) until `check` holds. */
async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const record = (taskId: number): InFlightTask => ({
  taskId,
  method: 'buildArch',
  arch: 'x86_64',
  queue: 'koji.tasks.x86_64',
  orchestration: false,
  weight: 1.5,
  priority: 20,
  channelId: 1,
  parentId: null,
  masterSessionId: 1,
  subsessionId: 2,
  generation: 1,
  publishedAt: new Date().toISOString(),
});

/** The lease and the fenced in-flight set against the real Redis. */
describe(LeaderLease.name, () => {
  const prefix = `${testNamespace('lease')}:`;
  const clients: Redis[] = [];
  const redis = () => {
    const client = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    clients.push(client);
    return client;
  };
  const lease = (pollerId: string, client = redis()) =>
    new LeaderLease(
      client,
      new LeaseReleaseNotice(client, silentLogger),
      { pollerId, leaseTtlMs: TTL_MS } as HubPollerConfig,
      silentLogger,
    );

  afterAll(async () => {
    const admin = new Redis('redis://127.0.0.1:6379');
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    for (const client of clients) client.disconnect();
  });

  afterEach(async () => {
    const admin = redis();
    await admin.del('poller:lease', 'poller:in-flight');
  });

  it('is held by one poller at a time, with a larger token on each acquisition', async () => {
    const a = lease('a');
    const b = lease('b');
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    const first = a.token!;
    expect(await b.holder()).toMatchObject({ pollerId: 'a', token: first });
    await a.release();
    expect(a.held).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
    expect(b.token!).toBeGreaterThan(first);
    expect(await a.holder()).toMatchObject({ pollerId: 'b', token: b.token });
  });

  it('announces a release to the standbys listening, and a standby woken by it takes the lease at once (ADR 0082)', async () => {
    const a = lease('a');
    const standbyRedis = redis();
    const b = lease('b', standbyRedis);
    const notice = new LeaseReleaseNotice(standbyRedis, silentLogger);
    let woken!: () => void;
    const released = new Promise<void>((resolve) => (woken = resolve));
    notice.listen(() => woken());
    try {
      // The subscription is on its way once a PUBSUB NUMSUB sees it.
      const channel = `${prefix}poller:lease:released`;
      await waitUntil(
        async () => Number(((await standbyRedis.pubsub('NUMSUB', channel)) as [string, number])[1]) > 0,
        10_000,
        'the standby subscribed',
        20,
      );
      expect(await a.tryAcquire()).toBe(true);
      expect(await b.tryAcquire()).toBe(false);
      await a.release();
      await released;
      expect(await b.tryAcquire()).toBe(true);
      expect(await a.holder()).toMatchObject({ pollerId: 'b' });
    } finally {
      await notice.stop();
    }
  });

  it('gives a larger token after Redis lost the lease and its counter (a flush), not 1 again (issue 17.2)', async () => {
    const a = lease('a');
    expect(await a.tryAcquire()).toBe(true);
    const before = a.token!;
    const admin = redis();
    await admin.del('poller:lease', 'poller:lease:token');
    admin.disconnect();
    const b = lease('b');
    expect(await b.tryAcquire()).toBe(true);
    expect(b.token!).toBeGreaterThan(before);
  });

  it('stays with a holder that renews it, past several TTLs', async () => {
    const a = lease('a');
    const b = lease('b');
    await a.tryAcquire();
    const started = performance.now();
    while (performance.now() - started < 3 * TTL_MS) {
      await a.renew();
      expect(await b.tryAcquire()).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, TTL_MS / 4));
    }
    expect(a.held).toBe(true);
  });

  it('fences a holder that stopped renewing: it stops counting on the lease, cannot renew or write once another holds it', async () => {
    const clientA = redis();
    const a = lease('a', clientA);
    const b = lease('b');
    const storeA = new InFlightStore(clientA, a, silentLogger);
    await a.tryAcquire();
    await storeA.put(record(1));

    // A "pauses": no renewal. Its own clock says the lease ran out before Redis drops it.
    await until(() => !a.held, 'the holder no longer counts on the lease');
    expect(() => a.assertHeld('act')).toThrow(LeaseLostError);
    await expect(storeA.put(record(2))).rejects.toThrow(LeaseLostError);

    await until(async () => b.tryAcquire(), 'another poller takes the lease');
    await expect(a.renew()).rejects.toThrow(LeaseLostError);
    expect(a.value).toBeNull();

    // B carries on with what A recorded; A's writes never landed after it lost the lease.
    const storeB = new InFlightStore(redis(), b, silentLogger);
    await storeB.load();
    expect(storeB.all().map((t) => t.taskId)).toEqual([1]);
    await storeB.remove([1]);
    expect(storeB.size).toBe(0);
  });

  it('refuses in Redis a fenced write made under a lease value that is no longer the holder’s', async () => {
    const client = redis();
    const a = lease('a', client);
    await a.tryAcquire();
    // Another poller's lease replaced A's while A still believes in its own (clock skew, a bug).
    await client.set('poller:lease', '999 intruder x', 'PX', TTL_MS);
    const store = new InFlightStore(client, a, silentLogger);
    await expect(store.put(record(3))).rejects.toThrow(LeaseLostError);
    expect(await client.hlen('poller:in-flight')).toBe(0);
    expect(a.held).toBe(false);
  });
});
