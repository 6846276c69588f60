import { Redis } from 'ioredis';
import { type AmqpTopology } from '@koji-farm/contracts';
import { type AmqpConnection } from '@koji-farm/messaging';
import { MonitorModule } from '../../apps/monitor/src/monitor.module';
import { amqpTopology, connectForTest, deleteTopology, testNamespace } from '../support/amqp';
import { publishEvents } from './support/event-publisher';
import {
  duplicateAndShuffle,
  type FarmScenario,
  generateScenario,
  type GeneratedTask,
} from './support/farm-scenario';
import {
  deleteKeys,
  type RunningMonitor,
  startMonitor,
  TEST_REDIS_URL,
  testKeyPrefix,
} from './support/monitor-harness';
import { getJson, registryDump, waitForSentinel } from './support/rest-client';
import { type Loose } from './support/loose';

const EXPECTED_STATE: Record<GeneratedTask['outcome'], string> = {
  closed: 'closed',
  failed: 'failed',
  running: 'running',
  queued: 'queued',
  'requeued-then-closed': 'closed',
};

describe(`${MonitorModule.name} folding the events stream`, () => {
  let amqp: AmqpConnection;
  let cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    amqp = await connectForTest('test-monitor-fold');
  });

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups = [];
  });

  afterAll(async () => {
    await amqp.close();
  });

  /** A namespace and key prefix of its own, cleaned after the test. */
  function farm(label: string): { names: AmqpTopology; namespace: string; keyPrefix: string } {
    const namespace = testNamespace(label);
    const keyPrefix = testKeyPrefix(label);
    const names = amqpTopology(namespace);
    cleanups.push(
      () => deleteTopology(amqp, names),
      () => deleteKeys(keyPrefix),
    );
    return { names, namespace, keyPrefix };
  }

  async function monitor(namespace: string, keyPrefix: string, replicaId?: string): Promise<RunningMonitor> {
    const running = await startMonitor({ namespace, keyPrefix, replicaId });
    cleanups.push(() => running.close());
    return running;
  }

  async function foldScenario(scenario: FarmScenario, order: 'in-order' | 'shuffled', replicas = 1) {
    const f = farm(order === 'in-order' ? 'fold' : 'shuffle');
    const monitors: RunningMonitor[] = [];
    for (let i = 0; i < replicas; i++) monitors.push(await monitor(f.namespace, f.keyPrefix, `replica-${i}`));
    const events = order === 'in-order' ? scenario.events : duplicateAndShuffle(scenario.events);
    await publishEvents(amqp, f.names, [...events, scenario.sentinel]);
    for (const m of monitors) await waitForSentinel(m.url);
    return { ...f, monitors };
  }

  it('serves the state the events describe: tasks, steps, logs, containers, executors, status', async () => {
    const scenario = generateScenario({ tasks: 12, seed: 3 });
    const { monitors } = await foldScenario(scenario, 'in-order');
    const url = monitors[0].url;

    for (const task of scenario.tasks) {
      const detail = await getJson(url, `/api/v1/tasks/${task.id}`);
      expect(detail).toMatchObject({
        id: task.id,
        method: 'buildArch',
        arch: task.arch,
        state: EXPECTED_STATE[task.outcome],
      });
      if (task.outcome === 'queued') {
        expect(detail.attempts).toEqual([]);
        expect(detail.waiting.reason).toBe(task.arch === 'ppc64le' ? 'no-executor' : 'in-queue');
        continue;
      }
      expect(detail).toMatchObject({
        executorId: task.executorId,
        attempt: task.attempts,
        containerId: task.containerId,
      });
      expect(detail.attempts).toHaveLength(task.attempts);
      expect(detail.steps.map((s: Loose) => [s.step, s.kind, s.name, s.exitCode, s.durationMs])).toEqual(
        task.steps.map((s) => [
          s.step,
          s.kind,
          s.name,
          s.finished ? s.exitCode : null,
          s.finished ? s.durationMs : null,
        ]),
      );
      for (const step of detail.steps.filter((s: Loose) => s.finishedAt)) {
        expect(Date.parse(step.finishedAt)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
      }
      if (task.outcome === 'running') {
        expect(detail.currentStep).toMatchObject({ name: 'exec build', kind: 'exec', step: 4 });
        expect(detail.finishedAt).toBeNull();
      } else {
        expect(detail.currentStep).toBeNull();
        expect(detail.durationMs).toBe(5000);
      }
      if (task.outcome === 'failed')
        expect(detail.attempts[0].error).toMatchObject({ name: 'BuildError', faultCode: 1005 });
      if (task.outcome === 'requeued-then-closed')
        expect(detail.attempts.map((a: Loose) => a.state)).toEqual(['requeued', 'closed']);
      const log = await fetch(`${url}/api/v1/tasks/${task.id}/logs/build.log`);
      expect(await log.text()).toBe(task.buildLog);
      expect(log.headers.get('x-log-complete')).toBe(String(task.outcome !== 'running'));
    }

    const executors = (await getJson(url, '/api/v1/executors')).items;
    for (const e of scenario.executors) {
      expect(executors.find((x: Loose) => x.id === e.id)).toMatchObject({
        state: 'alive',
        slots: e.slots,
        busy: e.busy,
        arches: e.arches,
      });
    }

    const status = await getJson(url, '/api/v1/status');
    const count = (outcomes: GeneratedTask['outcome'][]) =>
      scenario.tasks.filter((t) => outcomes.includes(t.outcome)).length;
    expect(status.tasks).toEqual({
      closed: count(['closed', 'requeued-then-closed']),
      failed: count(['failed']),
      running: count(['running']),
      queued: count(['queued']),
    });
    expect(status).toMatchObject({ hub: { connected: true }, poller: { leader: 'poller-1' } });
    expect(status.slots.total).toBe(scenario.executors.reduce((n, e) => n + e.slots, 0));
    expect(status.slots.busy).toBe(count(['running']));

    const containers = (await getJson(url, '/api/v1/containers?state=active')).items;
    expect(containers.map((c: Loose) => c.taskId).sort()).toEqual(
      scenario.tasks
        .filter((t) => t.outcome === 'running')
        .map((t) => t.id)
        .sort(),
    );
    const failed = await getJson(url, '/api/v1/tasks?state=failed');
    expect(failed.items.map((t: Loose) => t.id)).toEqual(
      scenario.tasks
        .filter((t) => t.outcome === 'failed')
        .map((t) => t.id)
        .reverse(),
    );
    const onA = await getJson(url, '/api/v1/tasks?executor=exec-a&state=closed&limit=500');
    expect(onA.items.map((t: Loose) => t.id)).toEqual(
      scenario.tasks
        .filter((t) => t.executorId === 'exec-a' && EXPECTED_STATE[t.outcome] === 'closed')
        .map((t) => t.id)
        .reverse(),
    );
  }, 60_000);

  it('pages through tasks with a cursor, newest first, without repeating or skipping', async () => {
    const scenario = generateScenario({ tasks: 23, seed: 5 });
    const { monitors } = await foldScenario(scenario, 'in-order');
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Loose = await getJson(
        monitors[0].url,
        `/api/v1/tasks?limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((t: Loose) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(scenario.tasks.map((t) => t.id).reverse());
  }, 60_000);

  it('ends in the same state from the same events duplicated and shuffled', async () => {
    const scenario = generateScenario({ tasks: 18, seed: 9 });
    const inOrder = await foldScenario(scenario, 'in-order');
    const shuffled = await foldScenario(scenario, 'shuffled');
    const expected = await registryDump(inOrder.monitors[0].url);
    expect(await registryDump(shuffled.monitors[0].url)).toEqual(expected);
    expect(Object.keys(expected.details as object)).toHaveLength(18);
  }, 90_000);

  it('two monitors folding the same stream at once agree, and publish each event once', async () => {
    const scenario = generateScenario({ tasks: 18, seed: 13 });
    const single = await foldScenario(scenario, 'in-order');
    const pair = await foldScenario(scenario, 'shuffled', 2);
    const expected = await registryDump(single.monitors[0].url);
    expect(await registryDump(pair.monitors[0].url)).toEqual(expected);
    expect(await registryDump(pair.monitors[1].url)).toEqual(expected);

    const redis = new Redis(TEST_REDIS_URL, { keyPrefix: pair.keyPrefix });
    try {
      const entries = await redis.xrange('events', '-', '+');
      const ids = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]).id as string);
      expect(new Set(ids).size).toBe(ids.length);
      // Every distinct event once; stale heartbeats (older than one already folded) are not republished.
      const distinct = new Set([...scenario.events, scenario.sentinel].map((e) => e.id));
      expect(ids.length).toBeLessThanOrEqual(distinct.size);
      const taskEvents = scenario.events.filter((e) => 'taskId' in e);
      expect(ids.filter((id) => taskEvents.some((e) => e.id === id))).toHaveLength(taskEvents.length);
    } finally {
      redis.disconnect();
    }
  }, 120_000);
});
