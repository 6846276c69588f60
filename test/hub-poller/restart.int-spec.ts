import { KojiClient } from '@koji-farm/koji';
import { InFlightStore } from '../../apps/hub-poller/src/state/in-flight-store';
import { TASK_STATES } from '../koji-hub-sim';
import { watchEvents, watchTaskQueue } from './support/message-watchers';
import { HOST_NAME, HOST_PASSWORD, PollerTestBed } from './support/poller-test-bed';

jest.setTimeout(60_000);

/** The in-flight set survives a poller restart; the hub's unknown OPEN tasks are freed. */
describe(InFlightStore.name, () => {
  let bed: PollerTestBed;

  beforeEach(async () => {
    bed = await PollerTestBed.create();
    await bed.startExecutor({ slots: 4 });
  });

  afterEach(async () => {
    await bed.close();
  });

  it('keeps its tasks across a restart, reissues them with live subsessions and frees unknown OPEN tasks', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const kept = [bed.makeTask('buildArch'), bed.makeTask('buildArch')];
    const first = await bed.startPoller();
    await queue.waitForCount(2);

    // SIGTERM path: not ready, lease released, the master session left open (a logout would
    // close every running build's subsession, ADR 0082); the tasks stay OPEN and recorded.
    await first.stop();
    expect(bed.hostRow().ready).toBe(false);
    expect(await bed.redis.exists(`${bed.keyPrefix}poller:lease`)).toBe(0);
    const open = bed.hub.admin.sessionsOf({ user: HOST_NAME }).filter((s) => !s.closed);
    expect(open.filter((s) => s.exclusive && s.master === null)).toHaveLength(1);
    expect(open.filter((s) => s.master !== null).length).toBeGreaterThanOrEqual(kept.length);
    expect((await bed.redis.hkeys(`${bed.keyPrefix}poller:in-flight`)).map(Number).sort()).toEqual(kept);
    for (const id of kept)
      expect(bed.task(id)).toMatchObject({ state: TASK_STATES.OPEN, host_id: bed.hostId });

    // Meanwhile something opens a task on this host that the farm never heard of.
    const unknown = bed.hub.admin.makeTask({
      method: 'buildArch',
      arch: 'x86_64',
      assign: HOST_NAME,
      args: [],
    });
    const intruder = await bed.login(HOST_NAME, HOST_PASSWORD);
    await intruder.exclusiveSession(true);
    expect(await intruder.call('host.openTask', [unknown])).not.toBeNull();
    await intruder.logout();

    const queued = await watchEvents(bed.amqp, bed.names, ['task.queued']);
    const second = await bed.startPoller();
    const freed = await second.logs.waitForMessage('freeing OPEN tasks this farm has no record of');
    expect(freed.taskIds).toEqual([unknown]);

    // Each kept task comes again, generation 2, with a subsession of the new master session.
    const reissued = (
      await queue.waitFor(
        (items) => items.filter((m) => m.headers['x-koji-farm-generation'] === 2).length === 2,
      )
    ).filter((m) => m.headers['x-koji-farm-generation'] === 2);
    expect(reissued.map((m) => m.body.taskId).sort()).toEqual(kept);
    for (const message of reissued) {
      const client = KojiClient.fromSession(message.body.session, bed.hub.url);
      try {
        await expect(client.call('host.getID')).resolves.toBe(bed.hostId);
      } finally {
        await client.close();
      }
    }
    for (const id of kept)
      expect(bed.task(id)).toMatchObject({ state: TASK_STATES.OPEN, host_id: bed.hostId });

    const announcedFor = (items: ReadonlyArray<(typeof queued.items)[number]>) =>
      items.filter((e) => e.body.type === 'task.queued' && kept.includes(e.body.taskId));
    await queued.waitFor((items) => announcedFor(items).length === 2);
    expect(announcedFor(queued.items).map((e) => e.body)).toEqual([
      expect.objectContaining({ type: 'task.queued', generation: 2 }),
      expect.objectContaining({ type: 'task.queued', generation: 2 }),
    ]);

    // The freed task went back to the scheduler and came to this farm as a new task.
    await queue.waitFor((items) => items.some((m) => m.body.taskId === unknown));
    const unknownMessages = queue.items.filter((m) => m.body.taskId === unknown);
    expect(unknownMessages.map((m) => m.headers['x-koji-farm-generation'])).toEqual([1]);
  });
});
