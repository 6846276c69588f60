import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { KojiClient } from '@koji-farm/koji';
import { TASK_STATES } from '../koji-hub-sim';
import { percentile, printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

const BUILDS = 20;
const GONE_WITHIN_MS = 60_000;

/**
 * Scenario "cancel running builds" (issue 14): 20 builds run at once on two executors
 * (10 slots each); a user cancels them on the hub one after another (cancelTask, as
 * `koji cancel` does). Each build's container must be gone (the poller sees the task
 * CANCELED, the executor stops the attempt and removes its container), the attempt ends
 * `canceled` and nothing settles the task at the hub. The time from cancelTask to the
 * container gone is the figure (issue 14's goal: within 5 s), not asserted.
 */
describe('running builds cancelled on the hub', () => {
  let farm: ReliabilityFarm;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-cancel' });
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it("removes each cancelled build's container and settles nothing at the hub", async () => {
    const srpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-cancel', 900);
    const events = await farm.events();
    await farm.startExecutor('cancel-exec-a', { SLOTS: String(BUILDS / 2) });
    await farm.startExecutor('cancel-exec-b', { SLOTS: String(BUILDS / 2) });
    await farm.startPoller('cancel-poller');
    const ids = farm.submitBuildArch(srpm, BUILDS);
    await Promise.all(
      ids.map((id) =>
        events.waitFor(
          (e) => e.type === 'log.chunk' && e.taskId === id && e.data.includes('kf-tick-cancel: tick 2 '),
          600_000,
          `task ${id} building`,
        ),
      ),
    );

    const user = KojiClient.create({ hubUrl: farm.sim.url });
    const goneMs: number[] = [];
    try {
      await user.login('kojiadmin', 'kojiadmin');
      for (const id of ids) {
        expect(await farm.containersOf(undefined, id)).toHaveLength(1);
        const canceledAt = Date.now();
        await user.call('cancelTask', [id]);
        for (;;) {
          const left = await farm.containersOf(undefined, id);
          const ms = Date.now() - canceledAt;
          if (left.length === 0) {
            goneMs.push(ms);
            break;
          }
          if (ms > GONE_WITHIN_MS)
            throw new Error(`task ${id}: container still there ${ms} ms after cancelTask`);
          await delay(100);
        }
      }
    } finally {
      await user.logout().catch(() => undefined);
      await user.close();
    }

    let requeued = 0;
    for (const id of ids) {
      expect([id, farm.taskState(id)]).toEqual([id, TASK_STATES.CANCELED]);
      // The attempt that saw the cancel ends `canceled`; one that took it for trouble
      // first ends `requeued` and the next delivery finds the task gone (counted).
      const ended = await events.waitFor(
        (e) => e.type === 'task.finished' && e.taskId === id && e.state === 'canceled',
        30_000,
        `task ${id} finished canceled`,
      );
      requeued += events.events.filter(
        (e) => e.type === 'task.finished' && e.taskId === id && e.state === 'requeued',
      ).length;
      expect(ended.seq).toBeGreaterThan(0);
      expect(farm.tap.calls('host.closeTask', id)).toEqual([]);
      expect(farm.tap.calls('host.failTask', id)).toEqual([]);
    }
    await waitUntil(async () => (await farm.containersOf()).length === 0, 30_000, 'no container is left');
    printFigure(
      'cancel-latency',
      `${BUILDS} running builds cancelled on the hub one after another: ${BUILDS}/${BUILDS} containers gone, ` +
        `cancelTask → container gone p50 ${percentile(goneMs, 50)} ms, p95 ${percentile(goneMs, 95)} ms, ` +
        `max ${Math.max(...goneMs)} ms (goal 5 s); ${requeued} attempts ended requeued before the cancel was seen`,
      { goneMs, requeued },
    );
  }, 1_200_000);
});
