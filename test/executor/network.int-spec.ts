import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestFarm } from './support/test-farm';

/** The group install reaches the hub; the build does not, unless BUILD_NETWORK=fetch. */
describe('network per step (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-net');
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  async function buildLogOfNetcheck(): Promise<string> {
    const message = await farm.buildArchTask(farm.srpms.netcheck);
    await farm.publish(message);
    expect(await farm.events.finished(message.taskId)).toMatchObject({ state: 'closed' });
    return readFileSync(
      join(farm.sim.dir, 'work', `tasks/${message.taskId % 10000}/${message.taskId}`, 'build.log'),
      'utf8',
    );
  }

  it('runs the build without network by default (only a loopback, the hub unreachable) after installing over the network', async () => {
    const executor = await farm.startExecutor('exec-net-1');
    const log = await buildLogOfNetcheck();
    expect(log).toContain('unshare --net --map-root-user -- rpmbuild --rebuild');
    expect(log).toMatch(/interfaces: lo \n/);
    expect(log).toContain('hub: unreachable');
    await executor.stop();
  }, 180_000);

  it('gives the build the fetch network with BUILD_NETWORK=fetch', async () => {
    const executor = await farm.startExecutor('exec-net-2', { BUILD_NETWORK: 'fetch' });
    const log = await buildLogOfNetcheck();
    expect(log).not.toContain('unshare');
    expect(log).toContain('hub: reachable');
    await executor.stop();
  }, 180_000);
});
