import { encodeResponse, KojiClient } from '@koji-farm/koji';
import { TaskReconciler } from '../../apps/hub-poller/src/loop/task-reconciler';
import { BR_STATES, TASK_STATES } from '../koji-hub-sim';
import { watchControl, watchEvents, watchTaskQueue } from './support/message-watchers';
import { PollerTestBed } from './support/poller-test-bed';

jest.setTimeout(60_000);

/** What happens to a queued task afterwards: cancelled, moved, finished; stale buildroots. */
describe(TaskReconciler.name, () => {
  let bed: PollerTestBed;

  beforeEach(async () => {
    bed = await PollerTestBed.create();
    await bed.startExecutor({ slots: 4 });
  });

  afterEach(async () => {
    await bed.close();
  });

  const inFlightIds = async () => (await bed.redis.hkeys(`${bed.keyPrefix}poller:in-flight`)).map(Number);

  it('sends cancel after a cancellation on the hub', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const control = await watchControl(bed.amqp, bed.names);
    const events = await watchEvents(bed.amqp, bed.names, ['task.cancel-requested']);
    const id = bed.makeTask('buildArch');
    const sut = await bed.startPoller();
    await queue.waitForCount(1);
    // The record follows the broker's confirm, which may come after the delivery.
    await sut.logs.waitFor((l) => l.msg === 'task queued' && l.taskId === id);
    expect(await inFlightIds()).toEqual([id]);

    const admin = await bed.login();
    const cancelledAt = Date.now();
    await admin.call('cancelTask', [id]);
    const [cancel] = await control.waitForCount(1);

    const latencyMs = cancel.at - cancelledAt;
    console.log(`cancel latency: ${latencyMs} ms (poll interval ${sut.config.pollIntervalMs} ms)`);
    expect(cancel.body).toEqual({ v: 1, type: 'cancel', taskId: id, reason: 'canceled on the hub' });
    const [event] = await events.waitForCount(1);
    expect(event.body).toMatchObject({
      type: 'task.cancel-requested',
      taskId: id,
      reason: 'canceled on the hub',
    });
    expect(await inFlightIds()).toEqual([]);
  });

  it('cancels the old work of a task freed on the hub, then takes the task again as a new one', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const control = await watchControl(bed.amqp, bed.names);
    const id = bed.makeTask('buildArch');
    await bed.startPoller();
    await queue.waitForCount(1);

    bed.hub.services.db.run(() => bed.hub.services.tasks.free(id)); // `koji free-task`
    const [cancel] = await control.waitForCount(1);
    expect(cancel.body).toMatchObject({ type: 'cancel', taskId: id });
    expect(cancel.body.type === 'cancel' && cancel.body.reason).toMatch(/no longer this host's/);

    // The scheduler hands it back to this host: a fresh message, after the cancel.
    const [, again] = await queue.waitForCount(2);
    expect(again.body.taskId).toBe(id);
    expect(again.at).toBeGreaterThanOrEqual(cancel.at);
    expect(again.body.session.id).not.toBe(queue.items[0].body.session.id);
    expect(bed.task(id)).toMatchObject({ state: TASK_STATES.OPEN, host_id: bed.hostId });
  });

  it('forgets a task the executor closed, without a cancel', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const control = await watchControl(bed.amqp, bed.names);
    const id = bed.makeTask('buildArch');
    const sut = await bed.startPoller();
    const [message] = await queue.waitForCount(1);

    const executor = KojiClient.fromSession(message.body.session, bed.hub.url);
    try {
      await executor.call('host.closeTask', [id, encodeResponse({ rpms: [], logs: [] })]);
    } finally {
      await executor.close();
    }
    await sut.logs.waitFor((l) => l.msg === 'task finished' && l.taskId === id);
    await bed.loops(sut, 2);
    expect(await inFlightIds()).toEqual([]);
    expect(control.items).toHaveLength(0);
    expect(bed.task(id).state).toBe(TASK_STATES.CLOSED);
    // The message's subsession is ended with it.
    const seed = bed.hub.admin
      .sessionsOf({ user: 'kf-farm-host' })
      .find((s) => s.id === message.body.session.id);
    expect(seed).toMatchObject({ closed: true });
  });

  it('expires buildroots of tasks that no longer run here, and only those, and says so in buildroot.state', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const events = await watchEvents(bed.amqp, bed.names, ['buildroot.state']);
    const running = bed.makeTask('buildArch');
    const sut = await bed.startPoller();
    await queue.waitForCount(1);
    const { db, buildroots } = bed.hub.services;
    const [mine, stale, taskless] = db.run(() => [
      buildroots.create(bed.hostId, 1, 'x86_64', running),
      buildroots.create(bed.hostId, 1, 'x86_64', 999_999),
      buildroots.create(bed.hostId, 1, 'x86_64', null),
    ]);

    await sut.logs.waitFor((l) => l.buildrootId === taskless);
    await sut.logs.waitFor((l) => l.buildrootId === stale);
    await bed.loops(sut, 2);
    expect(db.buildroots.get(stale)!.state).toBe(BR_STATES.EXPIRED);
    expect(db.buildroots.get(taskless)!.state).toBe(BR_STATES.EXPIRED);
    expect(db.buildroots.get(mine)!.state).toBe(BR_STATES.INIT);

    // The monitor learns of the task's expired buildroot from the poller (no attempt says so).
    await events.waitFor((items) => items.some((e) => e.body.type === 'buildroot.state'));
    expect(events.items.map((e) => e.body)).toEqual([
      expect.objectContaining({
        type: 'buildroot.state',
        by: 'poller',
        pollerId: sut.config.pollerId,
        taskId: 999_999,
        brootId: stale,
        state: 'EXPIRED',
      }),
    ]);
  });
});
