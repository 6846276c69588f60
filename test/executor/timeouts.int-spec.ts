import { TASK_STATES } from '../koji-hub-sim';
import { TestFarm } from './support/test-farm';

describe('step and task timeouts (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-time');
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  async function failureOf(taskId: number): Promise<{ faultCode: number; faultString: string }> {
    return farm.host.taskResult(taskId).then(
      () => {
        throw new Error(`task ${taskId} did not fail`);
      },
      (err: { faultCode: number; faultString: string }) => err,
    );
  }

  it('fails a build that exceeds BUILD_TIMEOUT_SECONDS with a BuildError saying so', async () => {
    const executor = await farm.startExecutor('exec-time-1', { BUILD_TIMEOUT_SECONDS: '2' });
    const message = await farm.buildArchTask(farm.srpms.sleepy);
    await farm.publish(message);
    expect(await farm.events.finished(message.taskId)).toMatchObject({
      state: 'failed',
      error: { faultCode: 1005 },
    });
    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.FAILED);
    const fault = await failureOf(message.taskId);
    expect(fault.faultString).toContain('step "exec rpmbuild --rebuild" timed out after 2 s');
    const step = farm.events
      .ofTask(message.taskId)
      .find((e) => e.type === 'step.finished' && e.name === 'exec rpmbuild --rebuild');
    expect(step).toMatchObject({ status: 'timeout', exitCode: null });
    expect(await farm.containersOf(message.taskId)).toEqual([]);
    await executor.stop();
  }, 180_000);

  it('fails a task that exceeds TASK_TIMEOUT_SECONDS, naming the limit', async () => {
    const executor = await farm.startExecutor('exec-time-2', { TASK_TIMEOUT_SECONDS: '6' });
    const message = await farm.buildArchTask(farm.srpms.sleepy);
    await farm.publish(message);
    expect(await farm.events.finished(message.taskId)).toMatchObject({
      state: 'failed',
      error: { faultCode: 1000 },
    });
    const fault = await failureOf(message.taskId);
    expect(fault.faultString).toContain('Task exceeded its time limit of 6 s');
    expect(await farm.containersOf(message.taskId)).toEqual([]);
    await executor.stop();
  }, 180_000);
});
