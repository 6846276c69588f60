import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { type ExecutorHeartbeatEvent } from '@koji-farm/contracts';
import { TASK_STATES } from '../koji-hub-sim';
import { printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

const EXECUTOR = 'podman-exec';
const OUTAGE_MS = 15_000;

/**
 * Scenario "Podman restarted mid-build" (and issue 17.1): the executor talks to a Podman
 * API service of the test's own, which is killed for 15 s while two builds run. Before the
 * fix each task was handed back five times within half a second and failed on the hub
 * ("gave up after 6 attempts"). Now the executor takes no task while Podman is away
 * (heartbeat: slots 0 and why), the attempts wait for it and start over, and nothing is
 * handed back.
 */
describe("Podman's API service killed for 15 s while builds run", () => {
  let farm: ReliabilityFarm;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-podman', podman: 'own' });
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it('fails no task, hands nothing back, shows the executor unhealthy meanwhile and leaves no container', async () => {
    const srpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-podman', 20);
    const events = await farm.events();
    await farm.startMonitor();
    await farm.startExecutor(EXECUTOR, { SLOTS: '2' });
    await farm.startPoller('podman-poller');
    const ids = farm.submitBuildArch(srpm, 2);
    const building = (id: number) =>
      events.waitFor(
        (e) => e.type === 'log.chunk' && e.taskId === id && e.data.includes('kf-tick-podman: tick 2 '),
        240_000,
        `task ${id} building`,
      );
    await Promise.all(ids.map(building));

    await farm.podman!.kill();
    const killedAt = Date.now();
    const sick = await events.waitFor<ExecutorHeartbeatEvent>(
      (e) =>
        e.type === 'executor.heartbeat' &&
        e.executorId === EXECUTOR &&
        e.problems.some((p) => p.check === 'podman'),
      OUTAGE_MS,
      'a heartbeat saying Podman does not answer',
    );
    expect(sick.slots).toBe(0);
    await waitUntil(
      async () => (await farm.rest<{ healthy: boolean }>(`/api/v1/executors/${EXECUTOR}`)).healthy === false,
      OUTAGE_MS,
      'the monitor shows the executor unhealthy',
    );
    await delay(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
    await farm.podman!.startProcess();
    const backAt = Date.now();

    await farm.waitForFinished(ids, 300_000);
    for (const id of ids) {
      expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
      expect(farm.tap.calls('host.closeTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
      expect(farm.tap.calls('host.failTask', id)).toEqual([]);
    }
    const finished = await Promise.all(ids.map((id) => events.finished(id, 60_000)));
    expect(finished.map((e) => [e.state, e.attempt])).toEqual(ids.map(() => ['closed', 1]));
    // Nothing was handed back: every task was received once, as attempt 1.
    const received = events.events.filter((e) => e.type === 'task.received' && ids.includes(e.taskId));
    expect(received.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 1]);
    const healthyAgain = await events.waitFor<ExecutorHeartbeatEvent>(
      (e) =>
        e.type === 'executor.heartbeat' &&
        e.executorId === EXECUTOR &&
        e.problems.length === 0 &&
        Date.parse(e.at) > backAt,
      30_000,
    );
    expect(healthyAgain.slots).toBe(2);
    await waitUntil(async () => (await farm.containersOf()).length === 0, 60_000, 'no container is left');
    // Its intake paused while it held both tasks and resumed: it takes new tasks again.
    const after = farm.submitBuildArch(srpm, 2);
    await farm.waitForFinished(after, 300_000);
    for (const id of after) expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);

    const restarted = ids.map((id) => {
      const note = events
        .ofTask(id, 1)
        .find((e) => e.type === 'log.chunk' && e.data.includes('Podman was unreachable'));
      return note ? Date.parse(note.at) - backAt : NaN;
    });
    printFigure(
      'podman-restart',
      `Podman API down ${OUTAGE_MS / 1000} s during 2 builds: 2/2 CLOSED as attempt 1, 0 deliveries handed back, ` +
        `heartbeat slots 0 ${Date.parse(sick.at) - killedAt} ms after the kill, ` +
        `builds restarted ${restarted.join(' / ')} ms after Podman was back, no container left`,
      { outageMs: OUTAGE_MS, restartedMs: restarted },
    );
  }, 600_000);
});
