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
    const canceledAt = new Map<number, number>();
    try {
      await user.login('kojiadmin', 'kojiadmin');
      for (const id of ids) {
        expect(await farm.containersOf(undefined, id)).toHaveLength(1);
        const sent = Date.now();
        canceledAt.set(id, sent);
        await user.call('cancelTask', [id]);
        for (;;) {
          const left = await farm.containersOf(undefined, id);
          const ms = Date.now() - sent;
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

    for (const id of ids) {
      expect([id, farm.taskState(id)]).toEqual([id, TASK_STATES.CANCELED]);
      const ended = await events.waitFor(
        (e) => e.type === 'task.finished' && e.taskId === id && e.state === 'canceled',
        30_000,
        `task ${id} finished canceled`,
      );
      expect(ended.seq).toBeGreaterThan(0);
      expect(farm.tap.calls('host.closeTask', id)).toEqual([]);
      expect(farm.tap.calls('host.failTask', id)).toEqual([]);
    }
    // A cancel ends the attempt `canceled` and acks its message: an attempt that took the
    // cancel for trouble would end `requeued` after it and hand the task to a next
    // delivery. Attempts handed back before their cancel met trouble of the loaded host
    // (Podman not answering while 20 builds start): counted, not asserted.
    const requeued = { beforeCancel: 0, afterCancel: [] as string[] };
    for (const e of events.events) {
      if (e.type !== 'task.finished' || e.state !== 'requeued' || !canceledAt.has(e.taskId)) continue;
      if (Date.parse(e.at) < canceledAt.get(e.taskId)!) requeued.beforeCancel++;
      else
        requeued.afterCancel.push(
          `task ${e.taskId} attempt ${e.attempt}: ${e.error?.name ?? '?'} ${e.error?.message ?? ''}`,
        );
    }
    await waitUntil(async () => (await farm.containersOf()).length === 0, 30_000, 'no container is left');
    printFigure(
      'cancel-latency',
      `${BUILDS} running builds cancelled on the hub one after another: ${BUILDS}/${BUILDS} containers gone, ` +
        `cancelTask → container gone p50 ${percentile(goneMs, 50)} ms, p95 ${percentile(goneMs, 95)} ms, ` +
        `max ${Math.max(...goneMs)} ms (goal 5 s); attempts ended requeued after their cancel: ` +
        `${requeued.afterCancel.length}, before it (host trouble, not asserted): ${requeued.beforeCancel}`,
      { goneMs, requeued },
    );
    expect(requeued.afterCancel).toEqual([]);
  }, 1_200_000);
});
