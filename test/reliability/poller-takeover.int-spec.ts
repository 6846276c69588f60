import { join } from 'node:path';
import { type FarmEvent } from '@koji-farm/contracts';
import { type LogLine, type SpawnedApp } from '../support/spawn-app';
import { TASK_STATES } from '../koji-hub-sim';
import { printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';

const BECAME_LEADER = "became the leader: holding the host's exclusive session";
const TOOK_SESSION = "the running attempt took the new master's subsession: it carries on";
const POLL_INTERVAL_S = 0.5;
const LEASE_TTL_S = 3;

/** A log line's time in ms (pino writes ISO times in these apps). */
const logTime = (line: LogLine): number => Date.parse(String(line.time));

type Attempted = FarmEvent & { taskId: number; attempt: number; executorId: string };

/**
 * Issue 16 (and issue 14's "SIGKILL the leading poller during a burst of tasks"): a
 * change of the poller's master session costs no running build (ADR 0082). Two pollers
 * (one leading, one standing by) and real executors on Podman; the hub simulator behaves
 * as Koji 1.35's auth.py: the new leader's forced exclusive session locks out every
 * subsession of the old master, and the running attempts carry on with the subsessions
 * the new leader hands them.
 */
describe('Poller takeover while builds run', () => {
  let farm: ReliabilityFarm;
  let srpm: string;
  /** Long enough to outlive two poller stops and a restart. */
  let longSrpm: string;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-takeover' });
    srpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-takeover', 15);
    longSrpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-handover', 50);
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  const pollerEnv = { POLL_INTERVAL: String(POLL_INTERVAL_S), LEASE_TTL: String(LEASE_TTL_S) };

  /** Starts pollers `ids` (those not running), and returns the leader and the others. */
  async function pollers(...ids: string[]): Promise<{ leader: SpawnedApp; standby: SpawnedApp }> {
    for (const id of ids) {
      const known = farm.processes.get(id);
      if (!known?.running) await farm.startPoller(id, pollerEnv);
    }
    const apps = ids.map((id) => farm.process(id));
    const leader = await Promise.any(
      apps.map((app) => app.waitForMessage(BECAME_LEADER, 60_000).then(() => app)),
    );
    const standby = apps.find((app) => app !== leader)!;
    await standby.waitForMessage('logged in to the hub', 60_000);
    return { leader, standby };
  }

  const idOf = (app: SpawnedApp): string => [...farm.processes].find(([, p]) => p === app)![0];

  const handoversSince = (app: SpawnedApp, since: number): number[] =>
    app.lines.filter((l) => l.msg === TOOK_SESSION && logTime(l) >= since).map((l) => Number(l.taskId));

  const becameLeaderAfter = (app: SpawnedApp, since: number): Promise<LogLine> =>
    app.waitForLog(
      (l) => l.msg === BECAME_LEADER && logTime(l) >= since,
      60_000,
      'the standby becoming the leader',
    );

  async function building(
    events: Awaited<ReturnType<ReliabilityFarm['events']>>,
    ids: number[],
    name = 'kf-tick-takeover',
  ) {
    await Promise.all(
      ids.map((id) =>
        events.waitFor(
          (e) => e.type === 'log.chunk' && e.taskId === id && e.data.includes(`${name}: tick 2 `),
          240_000,
          `task ${id} building`,
        ),
      ),
    );
  }

  function attemptsOf(events: FarmEvent[], type: FarmEvent['type'], id: number): number[] {
    return events
      .filter((e): e is Attempted => e.type === type && (e as Attempted).taskId === id)
      .map((e) => e.attempt);
  }

  function openedOnce(id: number): void {
    expect(farm.tap.calls('host.openTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
  }

  it('SIGKILL of the leader during 4 running builds (and 2 waiting): all CLOSED as attempt 1, no container made twice, no task opened twice', async () => {
    const events = await farm.events();
    await farm.startExecutor('to-exec-1', { SLOTS: '4' });
    const { leader, standby } = await pollers('to-poller-a', 'to-poller-b');
    const ids = farm.submitBuildArch(srpm, 6);
    const running = ids.slice(0, 4);
    await building(events, running);
    // The hub gave this host what its slots allow; the rest wait on the hub (the burst).
    const openBefore = ids.filter((id) => farm.taskState(id) === TASK_STATES.OPEN);
    expect(openBefore).toHaveLength(4);

    const killedAt = Date.now();
    leader.kill('SIGKILL');
    await leader.exited;
    const line = await becameLeaderAfter(standby, killedAt);
    const takeoverMs = logTime(line) - killedAt;
    const handedOver = await standby.waitForLog(
      () => standby.lines.filter((l) => l.msg === TOOK_SESSION).length >= 4,
      60_000,
      'four session handovers',
    );
    expect(handedOver).toBeDefined();
    const handoverDoneMs =
      Math.max(...standby.lines.filter((l) => l.msg === TOOK_SESSION).map((l) => logTime(l))) - killedAt;

    await farm.waitForFinished(ids, 400_000);
    for (const id of ids) {
      expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
      openedOnce(id);
      expect(farm.tap.calls('host.closeTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
    }
    const finished = await Promise.all(ids.map((id) => events.finished(id, 60_000)));
    expect(finished.map((e) => [e.taskId, e.state, e.attempt])).toEqual(ids.map((id) => [id, 'closed', 1]));
    const restarted: number[] = [];
    for (const id of running) {
      // One attempt, one build container: nothing started over.
      expect(attemptsOf(events.events, 'task.received', id)).toEqual([1]);
      const creates = attemptsOf(events.events, 'container.created', id);
      expect(creates).toEqual([1]);
      if (creates.length !== 1) restarted.push(id);
    }
    expect(standby.lines.filter((l) => l.msg === 'task queued' && Number(l.generation) > 1)).toEqual([]);
    // The handed-over keys (like every session key) appear in no process's output.
    const keys = farm.sim.services.db.sessions.all().map((row) => row.key);
    for (const app of farm.processes.values())
      for (const key of keys) expect(app.raw.some((line) => line.includes(key))).toBe(false);

    printFigure(
      'poller-takeover-sigkill',
      `SIGKILL of the leader during 4 running builds (+2 waiting on the hub): standby led ${takeoverMs} ms after the kill ` +
        `(lease TTL ${LEASE_TTL_S * 1000} ms, poll ${POLL_INTERVAL_S * 1000} ms), 4 sessions handed over by ${handoverDoneMs} ms, ` +
        `6/6 CLOSED as attempt 1, builds restarted ${restarted.length}, tasks opened twice 0`,
      { takeoverMs, handoverDoneMs, restarted: restarted.length },
    );
  }, 600_000);

  it('SIGTERM of the leader: the standby leads at once (no lease TTL); then with no standby, the next start takes over; the builds carry on throughout and close as attempt 1', async () => {
    const events = await farm.events();
    const { leader, standby } = await pollers('to-poller-a', 'to-poller-b');
    const leaderId = idOf(leader);
    const ids = farm.submitBuildArch(longSrpm, 2);
    await building(events, ids, 'kf-tick-handover');

    const stoppedAt = Date.now();
    const stopping = leader.stop(30_000);
    const line = await becameLeaderAfter(standby, stoppedAt);
    const takeoverMs = logTime(line) - stoppedAt;
    expect(await stopping).toEqual({ code: 0, signal: null });
    // The lease was released and announced: the standby did not wait for it to run out.
    expect(
      standby.lines.some(
        (l) => l.msg === 'the leader released its lease; trying to take it now' && logTime(l) >= stoppedAt,
      ),
    ).toBe(true);
    await standby.waitForLog(
      () => handoversSince(standby, stoppedAt).length === ids.length,
      60_000,
      'the running builds handed over',
    );
    expect(handoversSince(standby, stoppedAt).sort()).toEqual([...ids].sort());

    // No standby now: the last poller stops too. The builds go on on its master session
    // (no logout), and the next start takes the host over and hands them its own.
    const aloneAt = Date.now();
    expect(await standby.stop(30_000)).toEqual({ code: 0, signal: null });
    const before = new Set(events.events);
    await Promise.all(
      ids.map((id) =>
        events.waitFor(
          (e) =>
            !before.has(e) &&
            e.type === 'log.chunk' &&
            e.taskId === id &&
            e.data.includes('kf-tick-handover: tick'),
          60_000,
          `task ${id} building with no poller running`,
        ),
      ),
    );
    const restartedAt = Date.now();
    const restarted = await farm.restart(leaderId);
    await becameLeaderAfter(restarted, restartedAt);
    await restarted.waitForLog(
      () => handoversSince(restarted, restartedAt).length === ids.length,
      60_000,
      'the running builds handed over by the restarted poller',
    );
    const handedAfterStartMs =
      Math.max(...restarted.lines.filter((l) => l.msg === TOOK_SESSION).map(logTime)) - restartedAt;

    await farm.waitForFinished(ids, 300_000);
    const finished = await Promise.all(ids.map((id) => events.finished(id, 60_000)));
    expect(finished.map((e) => [e.state, e.attempt])).toEqual(ids.map(() => ['closed', 1]));
    for (const id of ids) {
      openedOnce(id);
      expect(attemptsOf(events.events, 'task.received', id)).toEqual([1]);
      expect(attemptsOf(events.events, 'container.created', id)).toEqual([1]);
    }

    printFigure(
      'poller-takeover-sigterm',
      `SIGTERM of the leader during 2 running builds: standby led ${takeoverMs} ms after the signal ` +
        `(poll ${POLL_INTERVAL_S * 1000} ms, lease TTL ${LEASE_TTL_S * 1000} ms); then no poller for ${restartedAt - aloneAt} ms ` +
        `and a fresh start handed both builds over ${handedAfterStartMs} ms after it was launched; 2/2 CLOSED as attempt 1, builds restarted 0`,
      { takeoverMs, alone: restartedAt - aloneAt, handedAfterStartMs },
    );
  }, 600_000);

  it('the executor running a task is gone during the takeover: that task is reissued and completes elsewhere', async () => {
    const events = await farm.events();
    await farm.processes.get('to-exec-1')?.stop(30_000);
    const doomed = await farm.startExecutor('to-exec-doomed', { SLOTS: '1' });
    const { leader, standby } = await pollers('to-poller-a', 'to-poller-b');
    const [id] = farm.submitBuildArch(srpm, 1);
    await building(events, [id]);

    const killedAt = Date.now();
    doomed.kill('SIGKILL');
    leader.kill('SIGKILL');
    await Promise.all([doomed.exited, leader.exited]);
    await becameLeaderAfter(standby, killedAt);
    // The broker holds the message again, with the old master's dead subsession: the
    // executor that takes it now finds it refused and drops it, and the leader, hearing
    // no executor claim the task, reissues it with a subsession of its own.
    await farm.startExecutor('to-exec-2', { SLOTS: '2' });

    await farm.waitForFinished([id], 300_000);
    expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
    openedOnce(id);
    const reissued = await standby.waitForLog(
      (l) => l.msg === 'task queued' && l.taskId === id && Number(l.generation) > 1,
      10_000,
      'the task reissued',
    );
    expect(standby.lines.filter((l) => l.msg === TOOK_SESSION && l.taskId === id)).toEqual([]);
    // The event may follow the hub's CLOSED by a moment.
    await events.waitFor(
      (e) => e.type === 'task.finished' && e.taskId === id && e.state === 'closed',
      60_000,
      `task ${id} closed`,
    );
    const finished = events.events.filter(
      (e) => e.type === 'task.finished' && e.taskId === id && e.state === 'closed',
    ) as Attempted[];
    expect(finished).toHaveLength(1);
    expect(finished[0].executorId).toBe('to-exec-2');
    expect(finished[0].attempt).toBeGreaterThan(1);
    printFigure(
      'poller-takeover-executor-gone',
      `leader and the executor running the build SIGKILLed together: the task was reissued as generation ${String(reissued.generation)} ` +
        `and closed on another executor as attempt ${finished[0].attempt}`,
    );
  }, 600_000);
});
