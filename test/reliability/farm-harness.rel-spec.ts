import { TASK_STATES } from '../koji-hub-sim';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

/**
 * The harness every reliability scenario stands on: a farm on a RabbitMQ node, a Redis and
 * a Podman service of its own builds a task end to end, and each of those services can
 * be stopped and started again under it.
 */
describe('reliability farm harness', () => {
  let farm: ReliabilityFarm;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-harness', broker: 'own', redis: 'own', podman: 'own' });
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it('runs a build through its own broker, Redis and Podman, and restarts each of them', async () => {
    const srpm = await buildTickingSrpm(`${farm.sim.dir}/work`, 'kf-tick-harness', 2);
    await farm.startMonitor();
    await farm.startExecutor('harness-exec');
    await farm.startPoller('harness-poller');
    const [id] = farm.submitBuildArch(srpm);
    await farm.waitForFinished([id], 240_000);
    expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
    // The monitor folds task.finished a moment after the hub shows CLOSED (a busy machine
    // has seen it still "running" when read at once): wait for it, then check it.
    await waitUntil(
      async () => (await farm.rest<{ state: string }>(`/api/v1/tasks/${id}`)).state === 'closed',
      60_000,
      'the monitor shows the task closed',
    );
    expect(farm.tap.calls('host.closeTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
    expect(farm.tap.calls('host.openTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);

    // The message is acked once the hub has taken closeTask: a moment after the hub shows CLOSED.
    const queue = farm.names.taskQueue('x86_64');
    await waitUntil(
      async () => (await farm.broker!.queues()).get(queue)?.unacked === 0,
      30_000,
      'the task message is acked',
    );
    expect((await farm.broker!.queues()).get(queue)).toMatchObject({ ready: 0, unacked: 0 });
    await farm.broker!.stopApp();
    await farm.broker!.startApp();
    await farm.redisServer!.kill();
    await farm.redisServer!.startProcess();
    await farm.podman!.kill();
    await farm.podman!.startProcess();
    expect(await farm.containersOf()).toEqual([]);
  }, 400_000);
});
