import { KojiClient } from '@koji-farm/koji';
import { Leadership } from '../../apps/hub-poller/src/poller/leadership';
import { TASK_STATES } from '../koji-hub-sim';
import { SpawnedApp } from '../support/spawn-app';
import { watchTaskQueue } from './support/message-watchers';
import { HOST_NAME, PollerTestBed } from './support/poller-test-bed';

jest.setTimeout(120_000);

const LEASE_TTL_S = 2;
const POLL_INTERVAL_S = 0.25;
const BECAME_LEADER = "became the leader: holding the host's exclusive session";

/** Two real poller processes, one lease: one works, the other stands by and takes over. */
describe(Leadership.name, () => {
  let bed: PollerTestBed;
  const processes: SpawnedApp[] = [];

  beforeEach(async () => {
    bed = await PollerTestBed.create();
    await bed.startExecutor({ slots: 8 });
  });

  afterEach(async () => {
    for (const app of processes.splice(0)) {
      app.kill('SIGCONT');
      await app.stop(5_000);
    }
    await bed.close();
  });

  function spawnPoller(id: string): SpawnedApp {
    const app = new SpawnedApp(
      'hub-poller',
      bed.env({ POLLER_ID: id, LEASE_TTL: String(LEASE_TTL_S), POLL_INTERVAL: String(POLL_INTERVAL_S) }),
    );
    processes.push(app);
    return app;
  }

  const leaderLine = (app: SpawnedApp) => app.lines.find((l) => l.msg === BECAME_LEADER);

  async function startPair(): Promise<{ leader: SpawnedApp; standby: SpawnedApp }> {
    const a = spawnPoller('poller-a');
    const b = spawnPoller('poller-b');
    await Promise.all([a.waitForMessage('hub-poller running'), b.waitForMessage('hub-poller running')]);
    const first = await Promise.race([a, b].map((app) => app.waitForMessage(BECAME_LEADER).then(() => app)));
    const other = first === a ? b : a;
    // Give the other several lease attempts: it must stay a standby.
    await other.waitForLog((l) => l.msg === 'logged in to the hub');
    await first.waitForLog(() => countLoops(first) >= 8, 20_000, 'eight host loops');
    expect(leaderLine(other)).toBeUndefined();
    return { leader: first, standby: other };
  }

  it('lets exactly one of two pollers work; a SIGKILLed leader is replaced by the standby', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const { leader, standby } = await startPair();
    const ids = [bed.makeTask('buildArch'), bed.makeTask('buildArch')];
    await queue.waitForCount(2);
    const holder = await bed.redis.get(`${bed.keyPrefix}poller:lease`);
    expect(holder).toContain(leader === processes[0] ? 'poller-a' : 'poller-b');
    expect(
      bed.hub.admin.sessionsOf({ user: HOST_NAME }).filter((s) => s.exclusive && !s.closed),
    ).toHaveLength(1);

    const killedAt = Date.now();
    leader.kill('SIGKILL');
    await leader.exited;
    const line = await standby.waitForMessage(BECAME_LEADER, 20_000);
    const takeoverMs = Date.parse(String(line.time)) - killedAt;
    const boundMs = (LEASE_TTL_S + POLL_INTERVAL_S) * 1000;
    console.log(
      `takeover after SIGKILL: ${takeoverMs} ms (lease TTL ${LEASE_TTL_S * 1000} ms + poll ${POLL_INTERVAL_S * 1000} ms = ${boundMs} ms)`,
    );
    expect(line.inFlight).toBe(2);

    // The new leader carries on with the same tasks: reissued with its own subsessions.
    const reissued = await queue.waitFor(
      (items) => items.filter((m) => m.headers['x-koji-farm-generation'] === 2).length === 2,
    );
    const fresh = reissued.filter((m) => m.headers['x-koji-farm-generation'] === 2);
    expect(fresh.map((m) => m.body.taskId).sort()).toEqual(ids);
    const client = KojiClient.fromSession(fresh[0].body.session, bed.hub.url);
    try {
      await expect(client.call('host.getID')).resolves.toBe(bed.hostId);
    } finally {
      await client.close();
    }
    for (const id of ids)
      expect(bed.task(id)).toMatchObject({ state: TASK_STATES.OPEN, host_id: bed.hostId });
    const next = bed.makeTask('buildArch');
    await queue.waitFor((items) => items.some((m) => m.body.taskId === next));
  });

  it('makes a paused leader that wakes up after a takeover step down without acting', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const { leader, standby } = await startPair();
    leader.kill('SIGSTOP');
    await standby.waitForMessage(BECAME_LEADER, 20_000);
    const published = queue.items.length;
    const taskWhilePaused = bed.makeTask('buildArch');
    await queue.waitFor((items) => items.some((m) => m.body.taskId === taskWhilePaused));

    const linesBeforeWake = leader.lines.length;
    leader.kill('SIGCONT');
    await leader.waitForLog(
      (l) => l.msg === 'stepping down to standby',
      20_000,
      'the old leader stepping down',
    );
    // From now on it stands by: the new leader alone queues tasks, with its own subsessions.
    const afterWake = bed.makeTask('buildArch');
    await queue.waitFor((items) => items.some((m) => m.body.taskId === afterWake));
    const sessions = bed.hub.admin.sessionsOf({ user: HOST_NAME });
    const current = sessions.find((s) => s.exclusive && !s.closed)!;
    for (const message of queue.items.slice(published)) {
      expect(sessions.find((s) => s.id === message.body.session.id)?.master).toBe(current.id);
    }
    const woken = leader.lines.slice(linesBeforeWake);
    expect(woken.filter((l) => l.msg === 'task queued' || l.method === 'host.openTask')).toEqual([]);
    expect(leader.lines.filter((l) => l.msg === BECAME_LEADER)).toHaveLength(1);
  });
});

function countLoops(app: SpawnedApp): number {
  return app.lines.filter((l) => l.msg === 'hub call answered' && l.method === 'host.updateHost').length;
}
