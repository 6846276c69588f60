import { type FarmEvent, type TaskMessage } from '@koji-farm/contracts';
import { TestFarm } from './support/test-farm';

/**
 * An executor serving several arches must not hold queued tasks it has no slot for: its
 * consumers pause while all its slots are busy, so an idle executor gets them (ADR 0068).
 */
describe('slot-gated task intake (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-gate');
    await farm.declareQueue('x86_64');
    await farm.declareQueue('noarch');
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  const queueState = (arch: string) =>
    farm.connection.withChannel((ch) => ch.checkQueue(farm.names.taskQueue(arch)));

  const cancel = (message: TaskMessage) =>
    farm.connection.publish(farm.names.controlExchange, '', {
      v: 1,
      type: 'cancel',
      taskId: message.taskId,
      reason: 'test over',
    });

  const building = (message: TaskMessage) =>
    farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === message.taskId && e.name === 'exec rpmbuild --rebuild',
      120_000,
      `the build of task ${message.taskId}`,
    );

  const receivedBy = async (message: TaskMessage): Promise<string> => {
    const event = await farm.events.waitFor<Extract<FarmEvent, { type: 'task.received' }>>(
      (e) => e.type === 'task.received' && e.taskId === message.taskId,
      60_000,
      `task.received of task ${message.taskId}`,
    );
    return event.executorId;
  };

  it('a busy executor leaves a queued task of another arch to an idle executor, then resumes', async () => {
    await farm.startExecutor('exec-gate-busy', { ARCHES: 'x86_64,noarch', SLOTS: '1' });
    await farm.until(
      async () => (await queueState('noarch')).consumerCount === 1,
      60_000,
      'the busy executor consumes noarch',
    );
    const long = await farm.buildArchTask(farm.srpms.sleepy);
    await farm.publish(long);
    await building(long);

    // Its one slot is taken: it consumes neither queue any more. (A quorum queue goes on
    // counting a cancelled consumer until its messages are settled, so x86_64 still shows
    // the consumer that delivered the running task.)
    expect(await queueState('noarch')).toMatchObject({ consumerCount: 0 });

    const queued = await farm.buildArchTask(farm.srpms.sleepy, { arch: 'noarch' });
    await farm.publish(queued, 'noarch');
    expect(await queueState('noarch')).toMatchObject({ messageCount: 1 });

    await farm.startExecutor('exec-gate-idle', { ARCHES: 'noarch', SLOTS: '1' });
    expect(await receivedBy(queued)).toBe('exec-gate-idle');

    // The slot frees up: the busy executor consumes again and takes the next task.
    await cancel(long);
    await farm.events.finished(long.taskId, 30_000);
    const next = await farm.buildArchTask(farm.srpms.sleepy);
    await farm.publish(next);
    expect(await receivedBy(next)).toBe('exec-gate-busy');

    await cancel(queued);
    await cancel(next);
    await farm.events.finished(queued.taskId, 30_000);
    await farm.events.finished(next.taskId, 30_000);
  }, 300_000);
});
