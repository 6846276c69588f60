import { encodeResponse, KojiClient } from '@koji-farm/koji';
import { PollerService } from '../../apps/hub-poller/src/poller/poller-service';
import { TASK_STATES } from '../koji-hub-sim';
import { watchEvents, watchTaskQueue } from './support/message-watchers';
import { HOST_NAME, PollerTestBed } from './support/poller-test-bed';

/** The host loop against the hub simulator, real RabbitMQ and real Redis. */
jest.setTimeout(60_000);

describe(PollerService.name, () => {
  let bed: PollerTestBed;

  beforeEach(async () => {
    bed = await PollerTestBed.create();
  });

  afterEach(async () => {
    await bed.close();
  });

  it('publishes each assigned task once, with the message of the contract and a working subsession', async () => {
    await bed.startExecutor({ slots: 8, orchestrationSlots: 4 });
    const arch = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const orchestrate = await watchTaskQueue(bed.amqp, bed.names, bed.names.orchestrateRoutingKey);
    const events = await watchEvents(bed.amqp, bed.names, ['task.queued']);
    const buildArch = [bed.makeTask('buildArch'), bed.makeTask('buildArch')];
    const parent = bed.hub.admin.makeTask({
      method: 'build',
      arch: 'noarch',
      args: ['git://x/pkg#1', 'f40', {}],
    });

    const sut = await bed.startPoller();

    await arch.waitForCount(2);
    await orchestrate.waitForCount(1);
    await events.waitForCount(3);
    for (const id of buildArch) {
      const [received] = arch.items.filter((m) => m.body.taskId === id);
      expect(received.body).toMatchObject({
        v: 1,
        taskId: id,
        method: 'buildArch',
        arch: 'x86_64',
        channelId: bed.task(id).channel_id,
        priority: bed.task(id).priority,
        weight: 1.5,
        parentId: null,
        request: ['pkg.src.rpm', 'f40-build', 'x86_64', false, {}],
        hub: { url: bed.hub.url, topurl: bed.hub.topurl },
      });
      expect(received.headers['x-koji-farm-generation']).toBe(1);
      expect(bed.task(id)).toMatchObject({ state: TASK_STATES.OPEN, host_id: bed.hostId, weight: 1.5 });
    }
    expect(orchestrate.items[0].body).toMatchObject({
      taskId: parent,
      method: 'build',
      arch: 'noarch',
      weight: 0.2,
    });

    // The subsession works as the host: an executor can call host methods with it.
    const session = arch.items[0].body.session;
    const client = KojiClient.fromSession(session, bed.hub.url);
    try {
      await expect(client.call('host.getID')).resolves.toBe(bed.hostId);
    } finally {
      await client.close();
    }
    expect(events.items.map((e) => e.body.type)).toEqual(['task.queued', 'task.queued', 'task.queued']);

    // Later loops do not publish them again.
    await bed.loops(sut, 4);
    expect(arch.items).toHaveLength(2);
    expect(orchestrate.items).toHaveLength(1);
  });

  it('reports not ready and takes nothing while no executor is alive, and again once the last one is gone', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const first = bed.makeTask('buildArch');
    const sut = await bed.startPoller();

    await bed.loops(sut, 4);
    expect(bed.hostRow()).toMatchObject({ ready: false, data: { methods: [], maxjobs: 0 } });
    expect(bed.task(first).state).toBe(TASK_STATES.FREE);
    expect(queue.items).toHaveLength(0);

    const executor = await bed.startExecutor({ slots: 3, methods: ['buildArch'] });
    await queue.waitForCount(1);
    expect(bed.hostRow()).toMatchObject({ data: { methods: ['buildArch'], maxjobs: 3 } });

    executor.silence(); // killed: its heartbeats stop (EXECUTOR_GONE_AFTER is 1.5 s here)
    await sut.logs.waitForMessage('executor is gone');
    await bed.loops(sut, 1);
    const second = bed.makeTask('buildArch');
    await bed.loops(sut, 4);
    expect(bed.hostRow().ready).toBe(false);
    expect(bed.task(second).state).toBe(TASK_STATES.FREE);
    expect(queue.items).toHaveLength(1);
  });

  it('opens only as many container tasks as there are free slots and the rest when slots free up', async () => {
    // 2 container slots, 6 orchestration slots: maxjobs 8, so the hub assigns all 6 tasks.
    const executor = await bed.startExecutor({ slots: 2, orchestrationSlots: 6, methods: ['buildArch'] });
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const ids = Array.from({ length: 6 }, () => bed.makeTask('buildArch'));
    const sut = await bed.startPoller();

    await queue.waitForCount(2);
    await bed.loops(sut, 4);
    const states = () => ids.map((id) => bed.task(id).state);
    expect(queue.items).toHaveLength(2);
    expect(states().filter((s) => s === TASK_STATES.OPEN)).toHaveLength(2);
    expect(states().filter((s) => s === TASK_STATES.ASSIGNED)).toHaveLength(4);

    // The executor reports both slots busy, then one task closes: one slot frees up.
    await executor.update({ busy: 2 });
    const done = queue.items[0].body;
    const client = KojiClient.fromSession(done.session, bed.hub.url);
    try {
      await client.call('host.closeTask', [done.taskId, encodeResponse('ok')]);
    } finally {
      await client.close();
    }
    await executor.update({ busy: 1 });
    await queue.waitForCount(3);
    await bed.loops(sut, 3);
    expect(queue.items).toHaveLength(3);
    expect(states().filter((s) => s === TASK_STATES.OPEN)).toHaveLength(2);
  });

  it('refuses softly a task whose method no live executor offers, or whose arch none runs', async () => {
    bed.hub.admin.editHost({ name: HOST_NAME, arches: 'x86_64 aarch64' });
    await bed.startExecutor({ slots: 4, arches: ['x86_64'], methods: ['buildArch'] });
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const events = await watchEvents(bed.amqp, bed.names, ['task.refused']);
    const image = bed.makeTask('createImage', 'x86_64', ['name', '1', 'rel', ['x86_64'], 'f40', {}]);
    const arm = bed.makeTask('buildArch', 'aarch64');
    const fine = bed.makeTask('buildArch');
    const sut = await bed.startPoller();

    await queue.waitForCount(1);
    await sut.logs.waitFor((l) => l.msg === 'task refused softly' && l.taskId === arm);
    await sut.logs.waitFor((l) => l.msg === 'task refused softly' && l.taskId === image);
    const refusals = bed.hub.services.db.refusals.all();
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          task_id: image,
          host_id: bed.hostId,
          soft: true,
          by_host: true,
          msg: expect.stringContaining('method createImage'),
        }),
        expect.objectContaining({
          task_id: arm,
          host_id: bed.hostId,
          soft: true,
          by_host: true,
          msg: expect.stringContaining('arch aarch64'),
        }),
      ]),
    );
    expect(bed.task(image).state).toBe(TASK_STATES.FREE);
    expect(bed.task(arm).state).toBe(TASK_STATES.FREE);
    expect(queue.items.map((m) => m.body.taskId)).toEqual([fine]);

    // Ops see each refusal, with the reason, in the events (the monitor lists them).
    const refusalOf = (id: number) =>
      events.items.find((e) => e.body.type === 'task.refused' && e.body.taskId === id)?.body;
    await events.waitFor(() => refusalOf(image) !== undefined && refusalOf(arm) !== undefined);
    expect(refusalOf(image)).toMatchObject({
      type: 'task.refused',
      pollerId: sut.config.pollerId,
      method: 'createImage',
      arch: 'x86_64',
      soft: true,
      reason: expect.stringContaining('method createImage'),
    });
    expect(refusalOf(arm)).toMatchObject({
      method: 'buildArch',
      arch: 'aarch64',
      reason: expect.stringContaining('arch aarch64'),
    });
  });

  it('reports the load of the tasks it just opened in the same pass, as kojid does by looping at once', async () => {
    await bed.startExecutor({ slots: 4, methods: ['buildArch'] });
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const ids = [bed.makeTask('buildArch'), bed.makeTask('buildArch')];
    // Read right after the pass that opened them: before the next pass could report anything.
    const sut = await bed.startPoller({ POLL_INTERVAL: '5' });
    await queue.waitForCount(2);
    await sut.logs.waitFor((l) => l.msg === 'host loop queued tasks' && l.queued === 2);
    for (const id of ids) expect(bed.task(id).state).toBe(TASK_STATES.OPEN);
    expect(bed.hostRow().task_load).toBe(3);
    expect(bed.hostRow().ready).toBe(true);
  });
});
