import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ExecutorHeartbeatEvent } from '@koji-farm/contracts';
import { AmqpConnection } from '@koji-farm/messaging';
import { TASK_STATES } from '../koji-hub-sim';
import { type EventRecorder } from '../executor/support/event-recorder';
import { printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

const run = promisify(execFile);
const EXECUTOR = 'disk-exec';

/**
 * Scenario "disk": the executor's work directory sits on a 64 MB tmpfs of the test's own,
 * MIN_FREE_SPACE_MB is 32 (kojid's `minspace`). Filling it stops the intake (heartbeat:
 * slots 0 and why; the monitor: unhealthy with the reason); freeing it resumes.
 */
describe('executor low on disk under its work directory', () => {
  let farm: ReliabilityFarm;
  let mount: string;
  let mounted = false;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-disk' });
    mount = join(farm.dir, 'small-disk');
    mkdirSync(mount, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount]);
    mounted = true;
  }, 180_000);

  afterAll(async () => {
    await farm?.stop().catch(() => undefined);
    if (mounted) await run('umount', ['-l', mount]).catch(() => undefined);
  }, 120_000);

  const heartbeats = (events: EventRecorder) =>
    events.events.filter(
      (e): e is ExecutorHeartbeatEvent => e.type === 'executor.heartbeat' && e.executorId === EXECUTOR,
    );

  it('takes no task while free space is below the threshold, says why, and resumes once there is room', async () => {
    const srpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-disk', 2);
    const events = await farm.events();
    await farm.startMonitor();
    await farm.startExecutor(EXECUTOR, { WORK_DIR: join(mount, 'work'), MIN_FREE_SPACE_MB: '32' });
    await farm.startPoller('disk-poller');
    await events.waitFor(
      (e) => e.type === 'executor.heartbeat' && e.executorId === EXECUTOR && e.slots === 2,
      30_000,
      'a healthy heartbeat',
    );

    const filler = join(mount, 'filler');
    await writeFile(filler, Buffer.alloc(40 * 1024 * 1024));
    const filledAt = Date.now();
    const sick = await events.waitFor<ExecutorHeartbeatEvent>(
      (e) => e.type === 'executor.heartbeat' && e.executorId === EXECUTOR && e.problems.length > 0,
      60_000,
      'a heartbeat naming the disk problem',
    );
    const pausedAfterMs = Date.parse(sick.at) - filledAt;
    expect(sick.slots).toBe(0);
    expect(sick.problems).toEqual([
      expect.objectContaining({
        check: 'disk',
        message: expect.stringContaining('below MIN_FREE_SPACE_MB 32'),
      }),
    ]);
    await waitUntil(
      async () => (await farm.rest<{ healthy: boolean }>(`/api/v1/executors/${EXECUTOR}`)).healthy === false,
      60_000,
      'the monitor shows the executor unhealthy',
    );
    const view = await farm.rest<{ problems: Array<{ check: string; message: string }> }>(
      `/api/v1/executors/${EXECUTOR}`,
    );
    expect(view.problems[0]).toMatchObject({ check: 'disk', message: sick.problems[0].message });

    // Its consumers pause, and the poller, counting 0 free slots, leaves the task on the hub.
    const [id] = farm.submitBuildArch(srpm);
    const seen = heartbeats(events).length;
    await waitUntil(() => heartbeats(events).length >= seen + 3, 60_000, 'three more heartbeats');
    expect(farm.taskState(id)).not.toBe(TASK_STATES.OPEN);
    const consumers = await consumerCount(farm, farm.names.taskQueue('x86_64'));
    expect(consumers).toBe(0);

    await rm(filler);
    const freedAt = Date.now();
    await farm.waitForFinished([id], 240_000);
    expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
    const healthy = heartbeats(events).find((e) => Date.parse(e.at) >= freedAt && e.problems.length === 0);
    expect(healthy?.slots).toBe(2);
    printFigure(
      'disk',
      `intake paused ${pausedAfterMs} ms after the disk filled (heartbeat every 1 s): slots 0, "${sick.problems[0].message}"; ` +
        `a task submitted meanwhile stayed on the hub for 3 heartbeats, then CLOSED ${Date.now() - freedAt} ms after space came back`,
      { pausedAfterMs },
    );
  }, 400_000);
});

async function consumerCount(farm: ReliabilityFarm, queue: string): Promise<number> {
  const connection = await AmqpConnection.connect({ url: farm.amqpUrl, connectionName: 'disk check' });
  try {
    return (await connection.withChannel((ch) => ch.checkQueue(queue))).consumerCount;
  } finally {
    await connection.close();
  }
}
