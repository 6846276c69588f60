import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CollectingSink } from '@koji-farm/container';
import { TASK_STATES } from '../koji-hub-sim';
import { TestFarm } from './support/test-farm';

describe('KEEP_FAILED_CONTAINERS (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-keep');
    await farm.startExecutor('exec-keep-1', {
      KEEP_FAILED_CONTAINERS: 'true',
      KEPT_CONTAINER_TTL_SECONDS: '4',
    });
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  it('keeps a failed build running for podman exec, says so in an event and in root.log, and reaps it after the TTL', async () => {
    const message = await farm.buildArchTask(farm.seed.srpms.broken);
    await farm.publish(message);
    const finished = await farm.events.finished(message.taskId);
    expect(finished).toMatchObject({ state: 'failed', error: { name: 'BuildError' } });
    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.FAILED);

    const removed = farm.events.ofTask(message.taskId).find((e) => e.type === 'container.removed');
    expect(removed).toMatchObject({ kept: true });
    const [kept] = await farm.containersOf(message.taskId);
    expect(kept.state).toBe('running');
    expect(kept.id).toBe((removed as { containerId: string }).containerId);

    // The buildroot is there to look at: the group is installed, the failed build's tree too.
    const sink = new CollectingSink();
    const probe = await farm.containers.exec(
      kept,
      ['sh', '-c', 'HOME=/builddir rpm -q kf-build-macros && ls /builddir/build'],
      sink,
    );
    expect(probe.exitCode).toBe(0);
    expect(sink.stdoutText()).toContain('kf-build-macros-1.0-1.noarch');

    const rootLog = readFileSync(
      join(farm.sim.dir, 'work', `tasks/${message.taskId % 10000}/${message.taskId}`, 'root.log'),
      'utf8',
    );
    expect(rootLog).toMatch(
      new RegExp(
        `container ${kept.id.slice(0, 12)} is kept until .* for debugging: podman exec -it ${kept.id.slice(0, 12)}`,
      ),
    );

    const keptAt = Date.now();
    await farm.until(
      async () => (await farm.containersOf(message.taskId)).length === 0,
      15_000,
      'the reaper removes the kept container',
    );
    expect(Date.now() - keptAt).toBeGreaterThanOrEqual(1000);
  }, 180_000);
});
