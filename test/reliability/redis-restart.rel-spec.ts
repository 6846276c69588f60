import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { TASK_STATES } from '../koji-hub-sim';
import { printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

const BUILDS = 3;
const DOWN_MS = 5_000;

/**
 * Scenario "Redis killed and restarted empty mid-run" (issue 14): the farm's own
 * redis-server (no persistence) is SIGKILLed while three builds run and started again
 * empty 5 s later (unlike `redis-flush`, every client also loses its connection). The
 * poller must rebuild its in-flight set from the hub and its executors' claims without
 * freeing or rebuilding a live task; the monitor must rebuild its registry from the event
 * stream. The monitor's REST answers must equal those of a monitor that never saw the
 * fault: a second monitor with a key prefix of its own, started after the run, folds the
 * same stream from its first event; both are compared as normalised JSON.
 */
describe('Redis killed and restarted empty while builds run', () => {
  let farm: ReliabilityFarm;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-redis-restart', redis: 'own' });
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it('frees nothing, builds each task once, and the monitor shows what a fault-free one shows', async () => {
    const srpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-restart', 25);
    const events = await farm.events();
    await farm.startMonitor();
    await farm.startExecutor('restart-exec', { SLOTS: String(BUILDS) });
    const poller = await farm.startPoller('restart-poller');
    const ids = farm.submitBuildArch(srpm, BUILDS);
    await Promise.all(
      ids.map((id) =>
        events.waitFor(
          (e) => e.type === 'log.chunk' && e.taskId === id && e.data.includes('kf-tick-restart: tick 2 '),
          240_000,
          `task ${id} building`,
        ),
      ),
    );
    const pollerSession = farm.tap.calls('host.getHostTasks').at(-1)!.sessionId;
    const callsBefore = farm.tap.records.length;

    await farm.redisServer!.kill();
    const killedAt = Date.now();
    await delay(DOWN_MS);
    await farm.redisServer!.startProcess();
    const backAt = Date.now();

    const redis = farm.redisClient();
    let inFlightMs = NaN;
    let registryMs = NaN;
    try {
      // The poller's in-flight set holds the running tasks again while they still run.
      await waitUntil(
        async () => {
          const recorded = await redis.hkeys(`${farm.keyPrefix}poller:in-flight`);
          return ids.every((id) => recorded.includes(String(id)));
        },
        60_000,
        'the in-flight set lists the running tasks again',
      );
      inFlightMs = Date.now() - backAt;
      expect(ids.every((id) => farm.taskState(id) === TASK_STATES.OPEN)).toBe(true);
      // The monitor's registry knows the running tasks again (rebuilt from the stream).
      await waitUntil(
        async () => {
          const page = await farm.rest<{ items: Array<{ id: number }> }>('/api/v1/tasks').catch(() => null);
          return page !== null && ids.every((id) => page.items.some((t) => t.id === id));
        },
        60_000,
        'the monitor lists the running tasks again',
      );
      registryMs = Date.now() - backAt;
    } finally {
      redis.disconnect();
    }

    await farm.waitForFinished(ids, 300_000);
    const after = farm.tap.records.slice(callsBefore);
    expect(after.filter((c) => c.method === 'host.freeTasks')).toEqual([]);
    expect(
      after.filter((c) => c.method === 'host.setBuildRootState' && c.sessionId === pollerSession),
    ).toEqual([]);
    for (const id of ids) {
      expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
      expect(farm.tap.calls('host.closeTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
      expect(farm.tap.calls('host.openTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
    }
    const received = events.events.filter((e) => e.type === 'task.received' && ids.includes(e.taskId));
    expect(received.map((e) => (e as { attempt: number }).attempt)).toEqual(ids.map(() => 1));
    expect(poller.running).toBe(true);

    // A monitor that never saw the fault: its own keys, the same stream from the start.
    await farm.startMonitor('reference', { REDIS_KEY_PREFIX: `${farm.keyPrefix}reference:` });
    const paths = [
      '/api/v1/tasks',
      ...ids.map((id) => `/api/v1/tasks/${id}`),
      `/api/v1/executors/restart-exec`,
      '/api/v1/containers',
    ];
    // An answer that is an error (the reference has not folded the executor yet) is
    // compared as such: a failing request must not end the wait with nothing compared.
    const answer = (path: string, replica?: string): Promise<unknown> =>
      farm.rest(path, replica).then(normalise, (err: unknown) => ({ requestFailed: String(err) }));
    let compared: Array<{ path: string; faulted: unknown; reference: unknown }> = [];
    await waitUntil(
      async () => {
        compared = await Promise.all(
          paths.map(async (path) => ({
            path,
            faulted: await answer(path),
            reference: await answer(path, 'reference'),
          })),
        );
        return compared.every((c) => JSON.stringify(c.faulted) === JSON.stringify(c.reference));
      },
      60_000,
      'both monitors answer alike',
      1_000,
    ).catch(() => undefined);
    expect(compared.map((c) => c.path)).toEqual(paths);
    for (const c of compared) {
      expect(c.faulted).not.toHaveProperty('requestFailed');
      expect({ path: c.path, body: c.faulted }).toEqual({ path: c.path, body: c.reference });
    }

    printFigure(
      'redis-restart',
      `Redis SIGKILLed during ${BUILDS} builds, back empty after ${DOWN_MS / 1000} s: ${BUILDS}/${BUILDS} CLOSED as attempt 1, ` +
        `0 tasks freed, 0 buildroots expired by the poller, in-flight set rebuilt ${inFlightMs} ms and the monitor's ` +
        `registry ${registryMs} ms after Redis was back, ${compared.length} REST answers equal to a fault-free monitor's`,
      { downMs: backAt - killedAt, inFlightMs, registryMs },
    );
  }, 600_000);
});

/**
 * What two monitors that folded the same events may differ in: when each folded (and
 * which replica, registry generation, stream position), not what the events said; and
 * the live executor's latest heartbeat, which each has folded up to a different one.
 */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (MONITOR_OWN_FIELDS.has(key)) continue;
    out[key] = normalise(v);
  }
  return out;
}

const MONITOR_OWN_FIELDS = new Set([
  'foldedAt',
  'updatedAt',
  'epoch',
  'replicaId',
  'foldedOffset',
  'lagMs',
  'lastHeartbeatAt',
]);
