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
 * node stops and starts again. Since ADR 0083 the builds go on through the restart (they
 * used to start over as attempt 2: before ADR 0077 one at a time, 2.7 s and 45 s after
 * the node was back): both must close as attempt 1, and the monitor-facing events of the
 * restart's time must come through once the broker is back.
 */
describe('RabbitMQ restarted while every slot of an executor is busy', () => {
  let farm: ReliabilityFarm;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-brslots', broker: 'own' });
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it('carries both builds on through the restart: both close as attempt 1', async () => {
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
    await Promise.all(ids.map((id) => ticking(id, 1, 2))).catch((err: unknown) => {
      for (const [name, app] of farm.processes)
        console.log(
          `--- ${name}:\n${app.lines
            .filter((l) => ids.includes(Number(l.taskId)))
            .slice(-40)
            .map((l) => JSON.stringify(l).slice(0, 400))
            .join('\n')}`,
        );
      throw err;
    });

    await farm.broker!.stopNode();
    await farm.broker!.startNode();
    const backAt = Date.now();

    // Both go on: their next ticks arrive as attempt 1 (kept while the broker was away).
    const again = await Promise.all(ids.map((id) => ticking(id, 1, 38)));
    const tickingMs = again.map((e) => Date.parse(e.at) - backAt);

    await farm.waitForFinished(ids, 300_000);
    for (const id of ids) expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
    const finished = await Promise.all(ids.map((id) => events.finished(id, 60_000, 1)));
    for (const f of finished) expect(f).toMatchObject({ state: 'closed', attempt: 1 });
    expect(events.raw.filter((e) => e.includes('"task.started"') && e.includes('"attempt":2'))).toEqual([]);
    await waitUntil(async () => (await farm.containersOf()).length === 0, 60_000, 'no container is left');
    printFigure(
      'broker-restart-slots',
      `RabbitMQ node restarted with both slots of an executor busy: both builds went on (tick 38 at ${tickingMs.join(' / ')} ms after the node was back), 2/2 CLOSED as attempt 1, 0 restarted`,
      { tickingMs },
    );
  }, 600_000);
});
