import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type AmqpTopology } from '@koji-farm/contracts';
import { type AmqpConnection } from '@koji-farm/messaging';
import { DashboardController } from '../../apps/monitor/src/dashboard/dashboard.controller';
import { amqpTopology, connectForTest, deleteTopology, testNamespace } from '../support/amqp';
import { publishEvents } from './support/event-publisher';
import { deleteKeys, type RunningMonitor, startMonitor, testKeyPrefix } from './support/monitor-harness';
import { EventFactory } from './support/raw-events';
import { getJson, waitForSentinel } from './support/rest-client';
import { generateScenario } from './support/farm-scenario';

const TOKEN = 'dashboard-token-0123456789';
const ARTIFACTS = join(__dirname, '../../test-artifacts');

describe(DashboardController.name, () => {
  let amqp: AmqpConnection;
  let browser: Browser;
  let page: Page;
  let sut: RunningMonitor;
  let names: AmqpTopology;
  let keyPrefix: string;
  let namespace: string;

  beforeAll(async () => {
    amqp = await connectForTest('test-monitor-dashboard');
    namespace = testNamespace('dash');
    keyPrefix = testKeyPrefix('dash');
    names = amqpTopology(namespace);
    sut = await startMonitor({ namespace, keyPrefix, apiToken: TOKEN });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await sut?.close().catch(() => undefined);
    await deleteTopology(amqp, names).catch(() => undefined);
    await deleteKeys(keyPrefix).catch(() => undefined);
    await amqp?.close();
  });

  it('asks for the token, shows the farm, and follows new events and log lines as they are pushed', async () => {
    const scenario = generateScenario({ tasks: 6, seed: 51, namespace });
    await publishEvents(amqp, names, [...scenario.events, scenario.sentinel]);
    await waitForSentinel(sut.url, TOKEN);

    await page.goto(sut.url);
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-submit').click();
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();

    const executors = page.getByTestId('executors-table');
    for (const e of scenario.executors) {
      const row = executors.locator(`tr[data-executor-id="${e.id}"]`);
      await row.waitFor();
      expect(await row.locator('[data-field="slots"]').textContent()).toContain(`${e.busy} / ${e.slots}`);
    }
    const running = scenario.tasks.find((t) => t.outcome === 'running')!;
    const runningRow = page.getByTestId('running-table').locator(`tr[data-task-id="${running.id}"]`);
    expect(await runningRow.locator('[data-field="step"]').textContent()).toBe('4. exec build');

    // A task that starts now appears by push, with its current step, and the executor's slots move.
    const events = new EventFactory();
    const fresh = 4242;
    await publishEvents(amqp, names, [
      events.task(
        fresh,
        1,
        'task.received',
        { method: 'buildArch', arch: 'x86_64', parentId: null },
        'exec-b',
      ),
      events.task(fresh, 1, 'task.started', { method: 'buildArch', arch: 'x86_64' }, 'exec-b'),
      events.task(fresh, 1, 'step.started', { step: 1, kind: 'create', name: 'create' }, 'exec-b'),
      events.task(
        fresh,
        1,
        'step.finished',
        { step: 1, kind: 'create', name: 'create', status: 'ok', exitCode: null, durationMs: 120 },
        'exec-b',
      ),
      events.task(
        fresh,
        1,
        'step.started',
        { step: 2, kind: 'exec', name: 'exec build', log: 'build.log' },
        'exec-b',
      ),
      events.task(
        fresh,
        1,
        'log.chunk',
        { log: 'build.log', offset: 0, data: 'Executing(%build)\n' },
        'exec-b',
      ),
      events.heartbeat('exec-b', { arches: ['x86_64', 'noarch'], slots: 2, busy: 2 }),
    ]);
    const freshRow = page.getByTestId('running-table').locator(`tr[data-task-id="${fresh}"]`);
    await freshRow.locator('[data-field="step"]', { hasText: '2. exec build' }).waitFor();
    await executors
      .locator('tr[data-executor-id="exec-b"] [data-field="slots"]', { hasText: '2 / 2' })
      .waitFor();
    // An executor kept from taking tasks shows as unhealthy, with why.
    const why = "Podman's API does not answer: connect ECONNREFUSED /run/podman/podman.sock";
    await publishEvents(amqp, names, [
      events.heartbeat('exec-b', {
        arches: ['x86_64', 'noarch'],
        slots: 0,
        busy: 2,
        problems: [{ check: 'podman', message: why, since: new Date().toISOString() }],
      }),
    ]);
    const sick = executors.locator('tr[data-executor-id="exec-b"]');
    await sick.locator('[data-field="state"]', { hasText: 'unhealthy' }).waitFor();
    expect(await sick.locator('[data-field="problems"]').textContent()).toBe(why);

    // The farm view's buildroot snapshot hit rate (ADR 0080), also in /status: one count per
    // attempt's buildroot, a redelivered event not counted twice.
    const hitRate = page.getByTestId('snapshot-hit-rate');
    expect(await hitRate.textContent()).toBe('–');
    const ref = 'localhost/kf-snapshot:abc';
    const hit = events.task(fresh, 1, 'buildroot.snapshot', { brootId: 7, outcome: 'hit', ref }, 'exec-b');
    await publishEvents(amqp, names, [
      hit,
      hit,
      events.task(4243, 1, 'buildroot.snapshot', { brootId: 8, outcome: 'miss', ref }),
      events.task(4244, 1, 'buildroot.snapshot', { brootId: 9, outcome: 'hit', ref }),
    ]);
    await page.getByTestId('snapshot-hit-rate').filter({ hasText: '67% (2 / 3)' }).waitFor();
    expect((await getJson(sut.url, '/api/v1/status', TOKEN)).buildrootSnapshots).toEqual({
      hit: 2,
      miss: 1,
      hitRate: 2 / 3,
    });
    await page.screenshot({ path: join(ARTIFACTS, 'monitor-dashboard.png'), fullPage: true });

    // The task page: step timeline and a live log.
    await freshRow.getByRole('link', { name: String(fresh) }).click();
    const timeline = page.getByTestId('step-timeline');
    await timeline.locator('tr[data-step="2"] [data-field="name"]', { hasText: 'exec build' }).waitFor();
    expect(await timeline.locator('tr[data-step="1"] [data-field="duration"]').textContent()).toBe('0s');
    await page.getByTestId('log-view').filter({ hasText: 'Executing(%build)' }).waitFor();

    const more = 'Wrote: /builddir/build/RPMS/x86_64/kf-hello-1.0-1.x86_64.rpm\n';
    await publishEvents(amqp, names, [
      events.task(
        fresh,
        1,
        'log.chunk',
        { log: 'build.log', offset: Buffer.byteLength('Executing(%build)\n'), data: more },
        'exec-b',
      ),
      events.task(
        fresh,
        1,
        'step.finished',
        { step: 2, kind: 'exec', name: 'exec build', status: 'ok', exitCode: 0, durationMs: 4200 },
        'exec-b',
      ),
    ]);
    await page.getByTestId('log-view').filter({ hasText: 'kf-hello-1.0-1.x86_64.rpm' }).waitFor();
    await timeline.locator('tr[data-step="2"] [data-field="exit"]', { hasText: '0' }).waitFor();
    expect(await timeline.locator('tr[data-step="2"] [data-field="duration"]').textContent()).toBe('4s');
    await page.screenshot({ path: join(ARTIFACTS, 'monitor-dashboard-task.png'), fullPage: true });
  }, 90_000);
});
