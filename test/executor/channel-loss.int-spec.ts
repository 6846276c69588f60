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

describe('executor whose AMQP connection is cut mid-build (simulator, RabbitMQ, Redis, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-chan');
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  it('carries on with the same attempt: the redelivery is adopted, the task closes as attempt 1, no event missing', async () => {
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

    const done = await farm.events.finished(id, 120_000, 1);
    expect(done).toMatchObject({ state: 'closed', executorId, attempt: 1 });
    expect((await farm.host.taskInfo(id)).state).toBe(TASK_STATES.CLOSED);
    const build = farm.events
      .ofTask(id, 1)
      .find((e) => e.type === 'step.finished' && e.name === 'exec rpmbuild --rebuild');
    expect(build).toMatchObject({ status: 'ok' });
    // One run, one buildroot; every event of it reached the broker, those emitted while
    // the connection was down after it came back: seq 1..n without a hole.
    expect(
      farm.events
        .ofTask(id)
        .filter((e) => e.type === 'task.started')
        .map((e) => e.attempt),
    ).toEqual([1]);
    const broots = await farm.host.buildroots(id);
    expect(broots).toHaveLength(1);
    expect(broots.every((b) => b.state === BR_STATES.EXPIRED)).toBe(true);
    const seqs = [...new Set(farm.events.ofTask(id, 1).map((e) => e.seq))].sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    // The redelivered message was settled by the attempt that adopted it: nothing queued or held.
    await farm.until(async () => (await farm.containersOf(id)).length === 0, 60_000, 'no container is left');
    await farm.until(
      async () => {
        const queue = await farm.connection.withChannel((ch) =>
          ch.checkQueue(farm.names.taskQueue('x86_64')),
        );
        return queue.messageCount === 0;
      },
      30_000,
      'the task queue is empty',
    );
    await farm.until(() => executor.get(RunningTasks).busy === 0, 10_000, 'no attempt runs');
    await farm.until(
      () => readdirSync(executor.config.workDir).length === 0,
      10_000,
      'no work directory is left',
    );
  }, 300_000);
});
