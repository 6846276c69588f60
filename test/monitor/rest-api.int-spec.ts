import { Redis } from 'ioredis';
import { TasksController } from '../../apps/monitor/src/api/tasks.controller';
import { generateScenario } from './support/farm-scenario';
import { scanKeys, TEST_REDIS_URL } from './support/monitor-harness';
import { MonitorTestBed } from './support/monitor-test-bed';
import { EventFactory } from './support/raw-events';
import { getJson, waitForSentinel } from './support/rest-client';
import { waitFor } from './support/waits';
import { type Loose } from './support/loose';

describe(`${TasksController.name} and the rest of the REST API`, () => {
  const bed = MonitorTestBed.install('rest');

  it('says why a queued task waits: no executor, every slot busy, or its place in the queue', async () => {
    const sut = await bed.monitor();
    const events = new EventFactory();
    const x86 = bed.names.taskQueue('x86_64');
    await bed.publish([
      events.heartbeat('exec-x1', { arches: ['x86_64'], slots: 2, busy: 2 }),
      events.heartbeat('exec-x2', { arches: ['x86_64', 'noarch'], slots: 1, busy: 1, orchestrationSlots: 4 }),
      events.queued(501, 'x86_64', x86),
      events.queued(502, 'x86_64', x86),
      events.queued(503, 's390x', bed.names.taskQueue('s390x')),
      events.queued(504, 'noarch', bed.names.orchestrateQueue, 'build'),
    ]);
    const waiting = async (id: number) => (await getJson(sut.url, `/api/v1/tasks/${id}`)).waiting;
    await waitFor(async () => ((await fetch(`${sut.url}/api/v1/tasks/504`)).ok ? true : undefined));
    expect(await waiting(501)).toMatchObject({
      reason: 'slots-busy',
      position: 1,
      slots: 3,
      busy: 3,
      executors: 2,
    });
    expect((await waiting(501)).message).toMatch(
      /all 3 slots of the 2 executor\(s\) serving buildArch on x86_64 are busy/,
    );
    expect(await waiting(502)).toMatchObject({ reason: 'slots-busy', position: 2 });
    expect(await waiting(503)).toMatchObject({ reason: 'no-executor', executors: 0 });
    expect((await waiting(503)).message).toMatch(/no live executor serves buildArch on s390x/);
    expect(await waiting(504)).toMatchObject({ reason: 'in-queue', slots: 4, busy: 0, position: 1 });

    await bed.publish([
      events.heartbeat('exec-x1', { arches: ['x86_64'], slots: 2, busy: 0 }),
      events.task(
        501,
        1,
        'task.received',
        { method: 'buildArch', arch: 'x86_64', parentId: null },
        'exec-x1',
      ),
    ]);
    await waitFor(async () =>
      (await getJson(sut.url, '/api/v1/tasks/501')).state === 'received' ? true : undefined,
    );
    expect(await waiting(502)).toMatchObject({ reason: 'in-queue', position: 1, slots: 3, busy: 1 });
    const status = await getJson(sut.url, '/api/v1/status');
    expect(status.queues.find((q: Loose) => q.name === x86)).toMatchObject({ queuedTasks: 1 });
  }, 30_000);

  it('lists a task the poller refused, with the reason, and says why it waits', async () => {
    const sut = await bed.monitor();
    const events = new EventFactory();
    const reason = 'no live koji-farm executor offers method build';
    await bed.publish([
      events.heartbeat('exec-x1', { arches: ['x86_64'], slots: 2, busy: 0 }),
      events.poller('task.refused', { taskId: 601, method: 'build', arch: 'noarch', soft: true, reason }),
    ]);
    await waitFor(async () => ((await fetch(`${sut.url}/api/v1/tasks/601`)).ok ? true : undefined));
    const task = await getJson(sut.url, '/api/v1/tasks/601');
    expect(task).toMatchObject({
      id: 601,
      method: 'build',
      arch: 'noarch',
      state: 'refused',
      refuseReason: reason,
    });
    expect(task.waiting).toMatchObject({ reason: 'refused', queue: null });
    expect(task.waiting.message).toContain(reason);
    const listed = await getJson(sut.url, '/api/v1/tasks?state=refused');
    expect(listed.items.map((t: Loose) => t.id)).toEqual([601]);

    // Assigned again later and queued: no longer refused.
    await bed.publish([events.queued(601, 'noarch', bed.names.orchestrateQueue, 'build')]);
    await waitFor(async () =>
      (await getJson(sut.url, '/api/v1/tasks/601')).state === 'queued' ? true : undefined,
    );
  }, 30_000);

  it('shows a buildroot the poller expired as EXPIRED', async () => {
    const sut = await bed.monitor();
    const events = new EventFactory();
    await bed.publish([
      events.queued(611, 'x86_64', bed.names.taskQueue('x86_64')),
      events.task(611, 1, 'task.received', { method: 'buildArch', arch: 'x86_64', parentId: null }),
      events.task(611, 1, 'buildroot.state', { brootId: 77, state: 'BUILDING' }),
      events.task(611, 1, 'task.finished', { state: 'requeued', durationMs: 5 }),
    ]);
    await waitFor(async () =>
      (await getJson(sut.url, '/api/v1/tasks/611')).buildroots?.[0]?.state === 'BUILDING' ? true : undefined,
    );
    await bed.publish([
      events.poller('buildroot.state', { by: 'poller', taskId: 611, brootId: 77, state: 'EXPIRED' }),
    ]);
    await waitFor(async () =>
      (await getJson(sut.url, '/api/v1/tasks/611')).buildroots?.[0]?.state === 'EXPIRED' ? true : undefined,
    );
  }, 30_000);

  it('documents every route in OpenAPI, and each documented GET answers', async () => {
    const { sut, scenario } = await bed.withScenario(2);
    const page = await fetch(`${sut.url}/api/docs`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('swagger-ui-bundle.js');
    expect((await fetch(`${sut.url}/api/docs/swagger-ui-bundle.js`)).status).toBe(200);
    const document = await getJson(sut.url, '/api/docs/openapi.json');
    expect(document.openapi).toBe('3.1.0');
    const task = scenario.tasks[0];
    const values: Record<string, string> = {
      '/api/v1/executors/{id}': 'exec-a',
      '/api/v1/containers/{id}': task.containerId!,
    };
    for (const [path, operations] of Object.entries<Loose>(document.paths)) {
      if (!operations.get || path === '/api/v1/events') continue;
      const url = path.replace('{id}', values[path] ?? String(task.id)).replace('{name}', 'build.log');
      const response = await fetch(sut.url + url, { signal: AbortSignal.timeout(5000) });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      await response.body?.cancel();
    }
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/status', '/api/v1/tasks/{id}/logs/{name}/follow', '/api/v1/events']),
    );
    const tasksGet = document.paths['/api/v1/tasks'].get;
    expect(tasksGet.parameters.map((p: Loose) => p.name)).toEqual([
      'state',
      'method',
      'executor',
      'limit',
      'cursor',
    ]);
  }, 30_000);

  it('exposes Prometheus metrics and health probes', async () => {
    const { sut, scenario } = await bed.withScenario(6);
    const metrics = await (await fetch(`${sut.url}/metrics`)).text();
    const running = scenario.tasks.filter((t) => t.outcome === 'running').length;
    expect(metrics).toContain(`koji_farm_tasks{state="running",method="buildArch"} ${running}`);
    expect(metrics).toMatch(
      /koji_farm_step_duration_seconds_bucket\{le="[^"]+",kind="exec",name="exec build"\} \d+/,
    );
    expect(metrics).toContain('koji_farm_executors_alive 4');
    expect(metrics).toContain('koji_farm_slots{kind="container",use="total"} 8');
    expect(metrics).toMatch(/koji_farm_monitor_events_folded_total\{type="log.chunk",result="folded"\} \d+/);
    expect(metrics).toMatch(/koji_farm_monitor_fold_lag_seconds \d/);
    expect(metrics).toContain('koji_farm_monitor_websocket_clients 0');
    expect(metrics).toMatch(/koji_farm_monitor_process_resident_memory_bytes \d+/);
    expect(await getJson(sut.url, '/healthz')).toEqual({ status: 'ok' });
    expect(await getJson(sut.url, '/readyz')).toEqual({
      status: 'ok',
      checks: { redis: 'up', rabbitmq: 'up' },
    });
  }, 30_000);

  it('keeps no secret: unknown fields are dropped and invalid events skipped', async () => {
    const sut = await bed.monitor();
    const events = new EventFactory();
    const secret = `s3cret-${Math.random().toString(36).slice(2)}`;
    const leaky: Record<string, unknown> = {
      ...events.task(7001, 1, 'task.received', { method: 'buildArch', arch: 'x86_64', parentId: null }),
    };
    const started: Record<string, unknown> = {
      ...events.task(7001, 1, 'task.started', { method: 'buildArch', arch: 'x86_64' }),
    };
    await bed.publish([
      { ...leaky, sessionKey: secret, session: { id: 1, key: secret } },
      { type: 'task.exploded', taskId: 7001, secret },
      { ...started, password: secret },
      generateScenario({ tasks: 0 }).sentinel,
    ]);
    await waitForSentinel(sut.url);
    expect((await getJson(sut.url, '/api/v1/tasks/7001')).state).toBe('running');
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await scanKeys(redis, `${bed.keyPrefix}*`);
      const dump: string[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') dump.push((await redis.get(key)) ?? '');
        if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
        if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        if (type === 'set') dump.push(JSON.stringify(await redis.smembers(key)));
      }
      expect(dump.length).toBeGreaterThan(5);
      expect(dump.join('\n')).not.toContain(secret);
    } finally {
      redis.disconnect();
    }
    const metrics = await (await fetch(`${sut.url}/metrics`)).text();
    expect(metrics).toContain(
      'koji_farm_monitor_events_folded_total{type="task.exploded",result="invalid"} 1',
    );
  }, 30_000);

  it('drops finished history after its TTL and keeps what is still running', async () => {
    const { sut, scenario } = await bed.withScenario(6, {
      env: { MONITOR_TASK_HISTORY_TTL: '1', MONITOR_CONTAINER_HISTORY_TTL: '1' },
    });
    const finished = scenario.tasks.filter((t) =>
      ['closed', 'failed', 'requeued-then-closed'].includes(t.outcome),
    );
    const kept = scenario.tasks.filter((t) => t.outcome === 'running' || t.outcome === 'queued');
    await waitFor(async () =>
      (await getJson(sut.url, '/api/v1/tasks?limit=500')).items.length === kept.length ? true : undefined,
    );
    for (const task of finished) expect((await fetch(`${sut.url}/api/v1/tasks/${task.id}`)).status).toBe(404);
    for (const task of kept) expect((await getJson(sut.url, `/api/v1/tasks/${task.id}`)).id).toBe(task.id);
    const containers = (await getJson(sut.url, '/api/v1/containers?state=all')).items;
    expect(containers.every((c: Loose) => c.state === 'running')).toBe(true);
    expect((await getJson(sut.url, '/api/v1/status')).tasks).toEqual({ running: 1, queued: 1 });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await scanKeys(redis, `${bed.keyPrefix}task:${finished[0].id}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 30_000);
});
