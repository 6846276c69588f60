import { TestFarm } from './support/test-farm';
import { testContainerLabels } from '../support/container-test-kit';

const IMAGE = 'localhost/koji-farm-buildroot:bookworm';

describe('orphan reaper at start (RabbitMQ, Redis, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-reap');
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  async function leftover(executorId: string, taskId: number): Promise<string> {
    const handle = await farm.containers.create({
      image: IMAGE,
      owner: { executorId, taskId, attempt: 1 },
      labels: { ...testContainerLabels(), 'io.koji-farm.namespace': farm.namespace },
    });
    await farm.containers.start(handle);
    return handle.id;
  }

  it("removes its own leftovers and dead executors' containers, and spares a live executor's", async () => {
    const own = await leftover('exec-reap-1', 9001);
    const dead = await leftover('exec-reap-dead', 9002);
    const alive = await leftover('exec-reap-alive', 9003);
    // Another farm's container (other namespace label) is never touched.
    const foreign = await farm.containers.create({
      image: IMAGE,
      owner: { executorId: 'exec-reap-1', taskId: 9004, attempt: 1 },
      labels: { ...testContainerLabels(), 'io.koji-farm.namespace': `${farm.namespace}-other` },
    });
    await farm.redis.set('executor-alive:exec-reap-alive', 'now', 'PX', 60_000);
    try {
      await farm.startExecutor('exec-reap-1');
      const ids = (await farm.containersOf()).map((c) => c.id);
      expect(ids).not.toContain(own);
      expect(ids).not.toContain(dead);
      expect(ids).toContain(alive);
      const all = await farm.containers.listByLabel({ 'io.koji-farm.task': '9004' });
      expect(all.map((c) => c.id)).toContain(foreign.id);

      // Once the live executor's heartbeats stop, its container goes too.
      await farm.redis.del('executor-alive:exec-reap-alive');
      await farm.until(
        async () => !(await farm.containersOf()).some((c) => c.id === alive),
        60_000,
        'the stopped executor’s container is removed',
      );
    } finally {
      await farm.containers.remove(foreign, { force: true });
    }
  }, 120_000);
});
