import { TASK_STATES } from '../koji-hub-sim';
import { TestFarm } from './support/test-farm';

describe('executor shutdown (SIGTERM path; simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-stop');
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  it('lets a running task finish within the grace period', async () => {
    const executor = await farm.startExecutor('exec-stop-1', { SHUTDOWN_GRACE_SECONDS: '60' });
    const message = await farm.buildArchTask(farm.srpms.slow);
    await farm.publish(message);
    await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === message.taskId && e.name === 'exec rpmbuild --rebuild',
      120_000,
    );
    await executor.stop();
    expect(await farm.events.finished(message.taskId, 30_000)).toMatchObject({
      state: 'closed',
      executorId: 'exec-stop-1',
    });
    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.CLOSED);
    await farm.events.waitFor((e) => e.type === 'executor.stopped' && e.executorId === 'exec-stop-1', 30_000);
  }, 180_000);

  it('after the grace period requeues the task and removes its container; another executor takes it', async () => {
    const executor = await farm.startExecutor('exec-stop-2', { SHUTDOWN_GRACE_SECONDS: '1' });
    const message = await farm.buildArchTask(farm.srpms.sleepy);
    await farm.publish(message);
    await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === message.taskId && e.name === 'exec rpmbuild --rebuild',
      120_000,
    );
    // The build sleeps 600 s: a stop that returns at all did not wait for it.
    await executor.stop();
    expect(await farm.events.finished(message.taskId, 30_000, 1)).toMatchObject({ state: 'requeued' });
    expect(await farm.containersOf(message.taskId)).toEqual([]);
    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.OPEN);

    await farm.startExecutor('exec-stop-3');
    const second = await farm.events.waitFor(
      (e) => e.type === 'task.received' && e.taskId === message.taskId && e.attempt === 2,
      30_000,
      'the second attempt',
    );
    expect((second as { executorId: string }).executorId).toBe('exec-stop-3');
    // The second attempt expires the first attempt's buildroot before starting over.
    await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === message.taskId && e.attempt === 2,
      60_000,
    );
    const broots = await farm.host.buildroots(message.taskId);
    expect(broots.filter((b) => b.state !== 3)).toHaveLength(1);
    await farm.connection.publish(farm.names.controlExchange, '', {
      v: 1,
      type: 'cancel',
      taskId: message.taskId,
      reason: 'test over',
    });
    await farm.events.finished(message.taskId, 30_000, 2);
  }, 240_000);
});
