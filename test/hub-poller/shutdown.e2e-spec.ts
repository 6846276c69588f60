import { createServer } from 'node:net';
import { PollerService } from '../../apps/hub-poller/src/poller/poller-service';
import { TASK_STATES } from '../koji-hub-sim';
import { SpawnedApp } from '../support/spawn-app';
import { watchTaskQueue } from './support/message-watchers';
import { HOST_NAME, HOST_PASSWORD, PollerTestBed } from './support/poller-test-bed';

jest.setTimeout(120_000);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The real process: health and metrics over HTTP, SIGTERM, and logs free of secrets. */
describe(PollerService.name, () => {
  let bed: PollerTestBed;
  let sut: SpawnedApp | undefined;

  beforeEach(async () => {
    bed = await PollerTestBed.create();
    await bed.startExecutor({ slots: 4 });
  });

  afterEach(async () => {
    await sut?.stop(5_000);
    sut = undefined;
    await bed.close();
  });

  it('serves health and metrics, and on SIGTERM reports not ready, releases the lease, leaves the master session to the next leader and exits 0', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const port = await freePort();
    sut = new SpawnedApp('hub-poller', bed.env({ POLLER_HTTP_PORT: String(port), LOG_LEVEL: 'trace' }));
    const ids = [bed.makeTask('buildArch'), bed.makeTask('buildArch')];
    await queue.waitForCount(2);
    await sut.waitForMessage('task queued');

    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { rabbitmq: { status: 'up' }, redis: { status: 'up' }, hub: { status: 'up', leader: true } },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^koji_farm_poller_tasks_opened_total\{method="buildArch"\} 2$/m);
    expect(metrics).toMatch(/^koji_farm_poller_leader\{poller_id="[^"]+"\} 1$/m);
    expect(metrics).toMatch(
      /^koji_farm_poller_hub_call_duration_seconds_count\{method="host.getTasks"\} \d+$/m,
    );
    expect(metrics).toMatch(/^koji_farm_poller_loop_duration_seconds_count \d+$/m);
    expect(metrics).toMatch(/^koji_farm_poller_tasks_in_flight 2$/m);

    const { code, signal } = await sut.stop();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const messages = sut.lines.map((l) => l.msg);
    expect(messages).toContain('SIGTERM received: shutting down');
    expect(messages[messages.length - 1]).toBe('shutdown complete');
    expect(bed.hostRow()).toMatchObject({ ready: false, task_load: 0 });
    expect(await bed.redis.exists(`${bed.keyPrefix}poller:lease`)).toBe(0);
    // No logout: it would close the subsessions of running builds (ADR 0082). The next
    // leader's forced exclusive session closes the master.
    const open = bed.hub.admin.sessionsOf({ user: HOST_NAME }).filter((s) => !s.closed);
    expect(open.filter((s) => s.master === null && s.exclusive)).toHaveLength(1);
    // Queued tasks stay the farm's: still OPEN here and recorded for the next poller.
    for (const id of ids)
      expect(bed.task(id)).toMatchObject({ state: TASK_STATES.OPEN, host_id: bed.hostId });
    expect(await bed.redis.hlen(`${bed.keyPrefix}poller:in-flight`)).toBe(2);
  });

  it('never writes a session key or the password to its log, even at trace level', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    sut = new SpawnedApp('hub-poller', bed.env({ LOG_LEVEL: 'trace' }));
    bed.makeTask('buildArch');
    bed.makeTask('buildArch');
    await queue.waitForCount(2);
    // Some trouble too, so error paths log: a malformed reply and a session expiry.
    bed.hub.faults.malformReply('host.getHostTasks', 'wrong-types');
    const [master] = bed.hub.admin.sessionsOf({ user: HOST_NAME }).filter((s) => s.exclusive);
    bed.hub.admin.expireSession({ sessionId: master.id });
    await sut.waitForMessage('session expired; logging in again (renew)');
    await sut.waitForLog((l) => l.msg.startsWith('host loop failed'));
    bed.makeTask('buildArch');
    await queue.waitForCount(3);
    await sut.stop();

    const log = sut.raw.join('\n');
    const keys = bed.hub.services.db.sessions.all().map((s) => s.key);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(sut.raw.length).toBeGreaterThan(50);
    for (const key of keys) expect(log).not.toContain(key);
    expect(log).not.toContain(HOST_PASSWORD);
    for (const message of queue.items) expect(log).not.toContain(message.body.session.key);
  });
});
