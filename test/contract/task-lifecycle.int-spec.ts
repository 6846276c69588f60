import { encodeFault, encodeResponse, GenericError, KojiFault, type KojiClient } from '@koji-farm/koji';
import { CONTRACT_HUB } from './support/contract-config';
import { HubUnderTest } from './support/hub-under-test';

type Row = Record<string, unknown>;
const FREE = 0;
const OPEN = 1;
const CLOSED = 2;
const CANCELED = 3;
const ASSIGNED = 4;
const FAILED = 5;

describe('task life on the hub', () => {
  let hut: HubUnderTest;
  let host: KojiClient;
  beforeEach(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
    host = await hut.hostClient();
  });
  afterEach(async () => {
    await hut.stop();
  });

  /** Checks the host in until the task is assigned to it; returns its getTasks row. */
  async function assignedTo(taskId: number): Promise<Row> {
    return (await hut.checkIn(host, taskId)).find((t) => t.id === taskId)!;
  }

  it('assigns, opens and closes a task with a result document', async () => {
    const taskId = await hut.makeTask({ method: 'sleep', args: [3] });
    expect(await host.call<Row>('getTaskInfo', [taskId])).toMatchObject({
      state: FREE,
      method: 'sleep',
      arch: 'noarch',
    });
    expect(await assignedTo(taskId)).toMatchObject({
      state: ASSIGNED,
      method: 'sleep',
      arch: 'noarch',
      priority: 20,
    });
    expect((await host.call<Row>('getTaskInfo', [taskId, true])).request).toEqual([3]);
    const opened = await host.call<Row>('host.openTask', [taskId]);
    expect(opened).toMatchObject({ id: taskId, state: OPEN, method: 'sleep' });
    expect(String(opened.request)).toContain('<methodName>sleep</methodName>');
    await host.call('host.setTaskWeight', [taskId, 0.25]);
    const open = await host.call<Row[]>('host.getHostTasks');
    expect(open).toEqual([{ id: taskId, waiting: null, weight: 0.25 }]);
    const sub = await host.subsession();
    await sub.call('host.closeTask', [taskId, encodeResponse({ slept: 3 })]);
    const info = await host.call<Row>('getTaskInfo', [taskId]);
    expect(info).toMatchObject({ state: CLOSED });
    expect(typeof info.completion_time).toBe('string');
    expect(typeof info.completion_ts).toBe('number');
    expect(await host.call('getTaskResult', [taskId])).toEqual({ slept: 3 });
  });

  it('fails a task with a fault document that getTaskResult raises again', async () => {
    const taskId = await hut.makeTask({ method: 'sleep', args: [1] });
    await assignedTo(taskId);
    await host.call('host.openTask', [taskId]);
    await host.call('host.failTask', [
      taskId,
      encodeFault(1005, 'BuildError: error building package (arch x86_64)'),
    ]);
    expect((await host.call<Row>('getTaskInfo', [taskId])).state).toBe(FAILED);
    const err = await host.call('getTaskResult', [taskId]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KojiFault);
    expect(err).toMatchObject({
      faultCode: 1005,
      faultString: 'BuildError: error building package (arch x86_64)',
    });
    expect(await host.call('getTaskResult', [taskId, false])).toEqual({
      faultCode: 1005,
      faultString: 'BuildError: error building package (arch x86_64)',
    });
  });

  it('refuses closeTask from a host that does not hold the task', async () => {
    const taskId = await hut.makeTask({ method: 'sleep', args: [1] });
    const err = await host.call('host.closeTask', [taskId, encodeResponse(null)]).catch((e: unknown) => e);
    expect(err).toMatchObject({ faultCode: 1004 });
    expect((err as KojiFault).faultString).toMatch(/^host \d+ does not own task \d+$/);
  });

  it('frees a refused task and does not give it to the refusing host again', async () => {
    const taskId = await hut.makeTask({ method: 'chainmaven', args: [] });
    await assignedTo(taskId);
    await host.call('host.refuseTask', [taskId, false, 'no handler for method']);
    expect((await host.call<Row>('getTaskInfo', [taskId])).state).toBe(FREE);
    expect((await hut.checkInThroughARun(host)).map((t) => t.id)).not.toContain(taskId);
  });

  it('frees an open task with freeTasks; openTask of a task that is gone answers nil', async () => {
    const taskId = await hut.makeTask({ method: 'sleep', args: [1] });
    await assignedTo(taskId);
    await host.call('host.openTask', [taskId]);
    await host.call('host.freeTasks', [[taskId]]);
    expect(await host.call<Row>('getTaskInfo', [taskId])).toMatchObject({ state: FREE, host_id: null });
    const admin = await hut.adminClient();
    await admin.call('cancelTask', [taskId]);
    expect(await host.call('host.openTask', [taskId])).toBeNull();
  });

  it('runs subtasks: idempotent per label, waits, alert on the parent, results', async () => {
    const parent = await hut.makeTask({ method: 'build', args: ['x.src.rpm', 'f40-candidate', {}] });
    await assignedTo(parent);
    await host.call('host.openTask', [parent]);
    const a = await host.call<number>('host.subtask', ['sleep', [1], parent], { label: 'a', arch: 'x86_64' });
    const again = await host.call<number>('host.subtask', ['sleep', [1], parent], {
      label: 'a',
      arch: 'x86_64',
    });
    expect(again).toBe(a);
    const b = await host.call<number>('host.subtask', ['sleep', [2], parent], { label: 'b' });
    expect(await host.call<Row[]>('getTaskChildren', [parent])).toEqual([
      expect.objectContaining({ id: a, parent, label: 'a', arch: 'x86_64', priority: 19 }),
      expect.objectContaining({ id: b, parent, label: 'b', arch: 'noarch' }),
    ]);
    await host.call('host.taskSetWait', [parent, [a, b]]);
    expect(await host.call('host.taskWait', [parent])).toEqual([[], [a, b]]);
    await hut.checkIn(host, [a, b]);
    for (const id of [a, b]) await host.call('host.openTask', [id]);
    await host.call('host.closeTask', [a, encodeResponse('a done')]);
    expect(await host.call<Row[]>('host.getHostTasks')).toContainEqual({
      id: parent,
      waiting: true,
      weight: 1,
      alert: true,
    });
    expect(await host.call('host.taskWait', [parent])).toEqual([[a], [b]]);
    await host.call('host.failTask', [b, encodeFault(1, "<class 'Exception'>: b broke")]);
    const err = await host.call('host.taskWaitResults', [parent, [a, b]]).catch((e: unknown) => e);
    expect(err).toMatchObject({ faultCode: 1, faultString: "<class 'Exception'>: b broke" });
    expect(await host.call('host.taskWaitResults', [parent, [a, b], [b]])).toEqual([
      [a, 'a done'],
      [b, { faultCode: 1, faultString: "<class 'Exception'>: b broke" }],
    ]);
    expect((await host.call<Row>('getTaskInfo', [parent])).waiting).toBe(false);
  });

  it('cancels a task and its children', async () => {
    const parent = await hut.makeTask({ method: 'build', args: ['x.src.rpm', 'f40-candidate', {}] });
    await assignedTo(parent);
    await host.call('host.openTask', [parent]);
    const child = await host.call<number>('host.subtask', ['sleep', [5], parent], { label: 'c' });
    const admin = await hut.adminClient();
    await admin.call('cancelTask', [parent]);
    for (const id of [parent, child])
      expect((await admin.call<Row>('getTaskInfo', [id])).state).toBe(CANCELED);
    const err = await admin.call('getTaskResult', [child]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenericError);
    expect((err as GenericError).faultString).toBe(`Task ${child} is canceled`);
  });

  it('lists tasks with filters', async () => {
    const ids = [
      await hut.makeTask({ method: 'sleep', args: [1] }),
      await hut.makeTask({ method: 'sleep', args: [2] }),
    ];
    const listed = await host.call<Row[]>('listTasks', [
      { method: 'sleep', state: [FREE], decode: true },
      { order: 'id' },
    ]);
    expect(listed.filter((t) => ids.includes(t.id as number)).map((t) => t.request)).toEqual([[1], [2]]);
  });
});
