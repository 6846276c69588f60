import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KojiClient } from '@koji-farm/koji';
import { TASK_STATES } from '../koji-hub-sim';
import { HostSession } from './support/host-session';
import { RunningTasks } from '../../apps/executor/src/tasks/running-tasks';
import { TestFarm } from './support/test-farm';

describe('executor cancel and stale messages (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-cancel');
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  it('stops a running build on cancel: container gone, nothing sent to the hub, message acked', async () => {
    const executor = await farm.startExecutor('exec-cancel-1');
    const message = await farm.buildArchTask(farm.srpms.sleepy);
    await farm.publish(message);
    await farm.events.waitFor(
      (e) =>
        e.type === 'log.chunk' &&
        e.taskId === message.taskId &&
        e.data.includes('kf-sleepy: building for a long time'),
      120_000,
      'the sleepy build to print its first line',
    );
    expect(await farm.containersOf(message.taskId)).toHaveLength(1);
    // The log reaches the hub while the step still runs (uploaded about once a second).
    const hubBuildLog = join(
      farm.sim.dir,
      'work',
      `tasks/${message.taskId % 10000}/${message.taskId}`,
      'build.log',
    );
    await farm.until(
      () =>
        existsSync(hubBuildLog) &&
        readFileSync(hubBuildLog, 'utf8').includes('kf-sleepy: building for a long time'),
      60_000,
      'build.log reaches the hub during the build',
    );

    await farm.connection.publish(farm.names.controlExchange, '', {
      v: 1,
      type: 'cancel',
      taskId: message.taskId,
      reason: 'canceled by test',
    });
    await farm.until(
      async () => (await farm.containersOf(message.taskId)).length === 0,
      60_000,
      'the container is gone',
    );
    // How fast is the cancel scenario's figure (docs/reliability.md), not asserted here.

    const finished = await farm.events.finished(message.taskId, 10_000);
    expect(finished).toMatchObject({
      state: 'canceled',
      attempt: 1,
      error: { faultCode: null, message: 'canceled by test' },
    });
    const build = farm.events
      .ofTask(message.taskId)
      .find((e) => e.type === 'step.finished' && e.name === 'exec rpmbuild --rebuild');
    expect(build).toMatchObject({ status: 'aborted' });
    // Nothing went to the hub: the task is still OPEN there.
    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.OPEN);

    // Acked: once the executor is gone, nothing comes back to the queue.
    await executor.stop();
    const queue = await farm.connection.withChannel((ch) => ch.checkQueue(farm.names.taskQueue('x86_64')));
    expect(queue.messageCount).toBe(0);
    expect(farm.events.ofTask(message.taskId).some((e) => e.attempt > 1)).toBe(false);
  }, 180_000);

  it('drops a message whose task was cancelled on the hub before it arrived, and one whose task is no longer OPEN', async () => {
    await farm.startExecutor('exec-cancel-2');
    const early = await farm.buildArchTask(farm.seed.srpms.hello);
    const admin = KojiClient.create({ hubUrl: farm.sim.url });
    try {
      await admin.login('kojiadmin', 'kojiadmin');
      await admin.call('cancelTask', [early.taskId]);
    } finally {
      await admin.logout();
      await admin.close();
    }
    await farm.publish(early);
    const finishedEarly = await farm.events.finished(early.taskId, 30_000);
    expect(finishedEarly).toMatchObject({ state: 'canceled', error: { name: 'TaskGone' } });
    expect(finishedEarly.error?.message).toContain('CANCELED');
    expect(farm.events.ofTask(early.taskId).some((e) => e.type === 'step.started')).toBe(false);

    const closed = await farm.buildArchTask(farm.seed.srpms.hello);
    await farm.publish(closed);
    expect(await farm.events.finished(closed.taskId, 120_000)).toMatchObject({ state: 'closed' });
    // The same message again (an ack lost after closeTask): the task's lease says its
    // generation was settled (ADR 0083): the message is acked, no attempt starts.
    await farm.publish(closed);
    const executor = farm.executors.at(-1)!;
    await farm.until(
      async () => {
        const q = await farm.connection.withChannel((ch) => ch.checkQueue(farm.names.taskQueue('x86_64')));
        return q.messageCount === 0 && executor.get(RunningTasks).all().length === 0;
      },
      30_000,
      'the leftover message to be taken',
    );
    await executor.stop();
    // Acked, not held: with its executor gone, nothing came back to the queue.
    const queue = await farm.connection.withChannel((ch) => ch.checkQueue(farm.names.taskQueue('x86_64')));
    expect(queue.messageCount).toBe(0);
    expect(farm.events.ofTask(closed.taskId).filter((e) => e.type === 'task.received')).toHaveLength(1);
    expect((await farm.host.taskInfo(closed.taskId)).state).toBe(TASK_STATES.CLOSED);
  }, 240_000);

  it('stops the old attempt and runs the reissued message when a new poller master takes over', async () => {
    // Two executors: the old and the new message may land on the same one or not. The
    // refused old attempt waits 2 s for a handover (ADR 0082) that this "poller" never
    // sends, then gives up: the reissue is what a leader does when nobody took its handover.
    await farm.startExecutor('exec-cancel-3a', { HUB_HANDOVER_WAIT_SECONDS: '2' });
    await farm.startExecutor('exec-cancel-3b', { HUB_HANDOVER_WAIT_SECONDS: '2' });
    const first = await farm.buildArchTask(farm.srpms.sleepy);
    await farm.connection.publish(farm.names.tasksExchange, 'x86_64', first, {
      headers: { 'x-koji-farm-generation': 1 },
    });
    await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === first.taskId && e.name === 'exec rpmbuild --rebuild',
      120_000,
      'the first generation to build',
    );
    // A standby poller takes the exclusive session (the old master and its subsessions die)
    // and reissues the task with a subsession of its own (ADR 0053).
    const standby = await HostSession.login(farm.sim, 'kf-builder', 'kf-builder', true);
    try {
      const reissued = { ...first, session: await standby.client.mintSubsession() };
      await farm.connection.publish(farm.names.tasksExchange, 'x86_64', reissued, {
        headers: { 'x-koji-farm-generation': 2 },
      });

      const old = await farm.events.finished(first.taskId, 30_000, 1);
      expect(['requeued', 'canceled']).toContain(old.state);
      // The task's second run is its attempt 2, whatever the generation (ADR 0083).
      await farm.events.waitFor(
        (e) =>
          e.type === 'step.started' &&
          e.taskId === first.taskId &&
          e.attempt === 2 &&
          e.name === 'exec rpmbuild --rebuild',
        120_000,
        'the reissued task to build',
      );
      await farm.connection.publish(farm.names.controlExchange, '', {
        v: 1,
        type: 'cancel',
        taskId: first.taskId,
        reason: 'test over',
      });
      expect(await farm.events.finished(first.taskId, 30_000, 2)).toMatchObject({ state: 'canceled' });
      await farm.until(
        async () => (await farm.containersOf(first.taskId)).length === 0,
        60_000,
        'no container of the task is left',
      );
      expect(
        farm.events
          .ofTask(first.taskId)
          .filter((e) => e.type === 'task.started')
          .map((e) => e.attempt),
      ).toEqual([1, 2]);
    } finally {
      await standby.close();
    }
  }, 240_000);
});
