import { join } from 'node:path';
import { TASK_STATES } from '../koji-hub-sim';
import { printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

const EXECUTOR = 'restart-exec';

/**
 * Scenario "broker restarted while an executor's slots are full" (issue 17.3): two builds
 * run on an executor of two slots (x86_64 and noarch queues) when the farm's own RabbitMQ
 * node stops and starts again. Both messages come back; the executor must run both again
 * at once. Before ADR 0077 it ran one and took the other only once the first had closed
 * (measured with this test: 2.7 s and 45 s after the node was back; the issue saw 1 ready,
 * 1 unacked, 1 consumer for about 20 s).
 */
describe('RabbitMQ restarted while every slot of an executor is busy', () => {
  let farm: ReliabilityFarm;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-brslots', broker: 'own' });
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it('runs both redelivered tasks side by side again, using both slots', async () => {
    const srpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-brslots', 40);
    const events = await farm.events();
    await farm.startExecutor(EXECUTOR, { SLOTS: '2' });
    await farm.startPoller('brslots-poller');
    const ids = farm.submitBuildArch(srpm, 2);
    const ticking = (id: number, attempt: number, tick: number) =>
      events.waitFor(
        (e) =>
          e.type === 'log.chunk' &&
          e.taskId === id &&
          e.attempt === attempt &&
          e.data.includes(`kf-tick-brslots: tick ${tick} `),
        240_000,
        `task ${id} attempt ${attempt} at tick ${tick}`,
      );
    await Promise.all(ids.map((id) => ticking(id, 1, 2)));

    await farm.broker!.stopNode();
    await farm.broker!.startNode();
    const backAt = Date.now();

    // Both messages come back (attempt 2) and both run again before either finishes.
    const again = await Promise.all(ids.map((id) => ticking(id, 2, 1)));
    const runningMs = again.map((e) => Date.parse(e.at) - backAt);
    // Side by side: neither had finished when the other started again (the old code took
    // the second only once the first had closed, ~45 s later).
    for (const id of ids) expect(farm.taskState(id)).toBe(TASK_STATES.OPEN);

    await farm.waitForFinished(ids, 300_000);
    for (const id of ids) expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
    await waitUntil(async () => (await farm.containersOf()).length === 0, 60_000, 'no container is left');
    printFigure(
      'broker-restart-slots',
      `RabbitMQ node restarted with both slots of an executor busy: both tasks running again ${runningMs.join(' / ')} ms after the broker was back, 2/2 CLOSED`,
      { runningMs },
    );
  }, 600_000);
});
