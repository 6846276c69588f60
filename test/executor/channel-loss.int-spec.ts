import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { BR_STATES, TASK_STATES } from '../koji-hub-sim';
import { RunningTasks } from '../../apps/executor/src/tasks/running-tasks';
import { TestFarm } from './support/test-farm';

const run = promisify(execFile);

/** Closes the named client connection on the broker, as a network cut or an operator would. */
async function closeConnection(connectionName: string): Promise<void> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
  const line = stdout.split('\n').find((l) => l.includes(`"${connectionName}"`));
  if (!line) throw new Error(`no RabbitMQ connection named ${connectionName}`);
  await run('rabbitmqctl', ['close_connection', line.split('\t')[0], 'test: connection cut mid-build']);
}

describe('executor whose AMQP channel closes mid-build (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-chan');
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  it('stops the attempt (container removed, nothing to the hub) and the redelivered attempt completes', async () => {
    const executorId = `chan-${farm.namespace}`;
    const executor = await farm.startExecutor(executorId);
    const message = await farm.buildArchTask(farm.srpms.slow);
    const id = message.taskId;
    await farm.publish(message);
    await farm.events.waitFor(
      (e) =>
        e.type === 'log.chunk' && e.taskId === id && e.attempt === 1 && e.data.includes('kf-slow: building'),
      120_000,
      'the first attempt to build',
    );
    const [first] = await farm.containersOf(id);
    expect(first).toBeDefined();

    await closeConnection(`executor ${executorId}`);

    const lost = await farm.events.finished(id, 30_000, 1);
    expect(lost).toMatchObject({ state: 'requeued', error: { faultCode: null, name: 'DeliveryLost' } });
    expect(lost.error?.message).toContain('channel');
    const build = farm.events
      .ofTask(id, 1)
      .find((e) => e.type === 'step.finished' && e.name === 'exec rpmbuild --rebuild');
    expect(build).toMatchObject({ status: 'aborted' });
    expect(
      farm.events.ofTask(id, 1).some((e) => e.type === 'container.removed' && e.containerId === first.id),
    ).toBe(true);

    // The broker gave the message back (to the same executor, once it reconnected).
    const done = await farm.events.finished(id, 120_000, 2);
    expect(done).toMatchObject({ state: 'closed', executorId });
    expect((await farm.host.taskInfo(id)).state).toBe(TASK_STATES.CLOSED);
    // Attempt 1 told the hub nothing: its buildroot was left to attempt 2 to expire.
    const firstBroot = farm.events.ofTask(id, 1).find((e) => e.type === 'buildroot.state');
    const expiredByTwo = farm.events
      .ofTask(id, 2)
      .some(
        (e) =>
          e.type === 'buildroot.state' &&
          e.state === 'EXPIRED' &&
          e.brootId === (firstBroot as { brootId: number }).brootId,
      );
    expect(expiredByTwo).toBe(true);
    const broots = await farm.host.buildroots(id);
    expect(broots).toHaveLength(2);
    expect(broots.every((b) => b.state === BR_STATES.EXPIRED)).toBe(true);

    // Nothing left behind: no container, no message, no running attempt, no work directory.
    await farm.until(async () => (await farm.containersOf(id)).length === 0, 60_000, 'no container is left');
    const queue = await farm.connection.withChannel((ch) => ch.checkQueue(farm.names.taskQueue('x86_64')));
    expect(queue.messageCount).toBe(0);
    // task.finished goes out while the attempt settles; its slot and directory go just after
    await farm.until(() => executor.get(RunningTasks).busy === 0, 10_000, 'no attempt runs');
    await farm.until(
      () => readdirSync(executor.config.workDir).length === 0,
      10_000,
      'no work directory is left',
    );
    expect(
      farm.events
        .ofTask(id)
        .filter((e) => e.type === 'task.started')
        .map((e) => e.attempt),
    ).toEqual([1, 2]);
  }, 300_000);
});
