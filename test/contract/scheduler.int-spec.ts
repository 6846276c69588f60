import { encodeResponse, KojiClient } from '@koji-farm/koji';
import { CONTRACT_HUB } from './support/contract-config';
import { HubUnderTest, type SimOptions } from './support/hub-under-test';

type Row = Record<string, unknown>;
const describeSim = CONTRACT_HUB.kind === 'sim' ? describe : describe.skip;
const ids = (tasks: Row[]) => tasks.map((t) => t.id as number);

describe('the hub scheduler, with one host', () => {
  let hut: HubUnderTest;
  let host: KojiClient;
  // the harness's tasks go to this run's own channel, which only the test host is in
  beforeEach(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
    host = await hut.hostClient();
  });
  afterEach(async () => {
    await hut.stop();
  });

  it('assigns at most maxjobs tasks, priority first, and the next wave once they finish', async () => {
    const made: number[] = [];
    // the last two made come first: a lower number is a higher priority
    for (let i = 0; i < 12; i++)
      made.push(await hut.makeTask({ method: 'sleep', args: [i], priority: i < 10 ? 9 : 8 }));
    const first = [made[10], made[11], made[0], made[1], made[2]];
    const wave1 = ids(await hut.checkIn(host, first, { data: { maxjobs: 5 } }));
    expect(wave1).toEqual(first);
    for (const id of wave1) await host.call('host.openTask', [id]);
    expect(await hut.checkInThroughARun(host, { load: 5, data: { maxjobs: 5 } })).toEqual([]);
    for (const id of wave1) await host.call('host.closeTask', [id, encodeResponse(null)]);
    expect(ids(await hut.checkIn(host, made.slice(3, 8), { data: { maxjobs: 5 } }))).toEqual(
      made.slice(3, 8),
    );
  });

  it('runs at most once per RunInterval; a forced run (scheduler.doRun) runs at once', async () => {
    const first = await hut.makeTask({ method: 'sleep', args: [1] });
    expect(ids(await hut.checkIn(host, first))).toEqual([first]);
    await host.call('host.openTask', [first]);
    const second = await hut.makeTask({ method: 'sleep', args: [2] });
    // the run that assigned `first` was moments ago (against a real hub: if this check-in
    // comes later than RunInterval after it, the hub rightly assigns `second` here)
    expect(await hut.checkInOnce(host)).toEqual([]);
    const admin = await hut.adminClient();
    expect(await admin.call('scheduler.doRun', [true])).toBe(true);
    expect(ids(await hut.checkInOnce(host))).toEqual([second]);
  });

  it('answers a host that has ASSIGNED tasks with those, without running', async () => {
    const first = await hut.makeTask({ method: 'sleep', args: [1] });
    expect(ids(await hut.checkIn(host, first))).toEqual([first]);
    const second = await hut.makeTask({ method: 'sleep', args: [2] });
    await hut.waitRunInterval();
    expect(ids(await hut.checkInOnce(host))).toEqual([first]); // RunInterval passed: still no run
    expect((await host.call<Row>('getTaskInfo', [second])).state).toBe(0);
    await host.call('host.openTask', [first]);
    expect(ids(await hut.checkIn(host, second))).toEqual([second]); // nothing assigned: it runs
  });

  it('gives no task to a host that is out of capacity', async () => {
    const first = await hut.makeTask({ method: 'sleep', args: [1] });
    expect(ids(await hut.checkIn(host, first))).toEqual([first]);
    await host.call('host.openTask', [first]);
    await host.call('host.setTaskWeight', [first, 1000]);
    await hut.makeTask({ method: 'sleep', args: [2] });
    expect(await hut.checkInThroughARun(host, { load: 1000 })).toEqual([]);
  });
});

describeSim('the hub scheduler (simulator settings: several hosts, timeouts)', () => {
  let hut: HubUnderTest;
  afterEach(async () => {
    await hut.stop();
  });

  async function start(options: SimOptions = {}): Promise<KojiClient> {
    hut = await HubUnderTest.start(CONTRACT_HUB, options);
    return hut.hostClient();
  }

  async function extraHost(name: string, arches: string, channels: string[]): Promise<KojiClient> {
    hut.sim!.admin.addHost({ name, password: `${name}-pw`, arches, capacity: 10, channels });
    const client = hut.client();
    await client.login(name, `${name}-pw`);
    await client.exclusiveSession();
    return client;
  }

  it('runs inside host.getTasks only once RunInterval has passed since the last run of any host', async () => {
    const host = await start({ runIntervalMs: 60_000 });
    const other = await extraHost('builder-2', 'x86_64', ['default']);
    hut.clock!.advance(60_000);
    expect(await hut.checkInOnce(other)).toEqual([]); // builder-2's check-in runs the scheduler
    const task = await hut.makeTask({ method: 'sleep', args: [1], channel: 'createrepo' }); // builder-1's only
    hut.clock!.advance(30_000);
    // builder-1 has never had a run, but the last one (builder-2's) was 30 s ago
    expect(await hut.checkInOnce(host)).toEqual([]);
    hut.clock!.advance(30_000);
    expect(ids(await hut.checkInOnce(host))).toEqual([task]);
  });

  it('does not count a forced run as the last run', async () => {
    const host = await start({ runIntervalMs: 60_000 });
    const admin = await hut.adminClient();
    hut.clock!.advance(50_000);
    expect(await admin.call('scheduler.doRun', [true])).toBe(true);
    expect(await admin.call('scheduler.doRun', [false])).toBe(false); // 50 s after the last real run
    const task = await hut.makeTask({ method: 'sleep', args: [1] });
    hut.clock!.advance(10_000); // 60 s after the last real run, 10 s after the forced one
    expect(ids(await hut.checkInOnce(host))).toEqual([task]);
  });

  it('bins tasks by channel and arch', async () => {
    const x86 = await start();
    const arm = await extraHost('builder-arm', 'aarch64', ['default']);
    const armTask = await hut.makeTask({
      method: 'buildArch',
      args: ['x.src.rpm', hut.tag, 'aarch64', false, {}],
      arch: 'aarch64',
      channel: 'default',
    });
    const x86Task = await hut.makeTask({
      method: 'buildArch',
      args: ['x.src.rpm', hut.tag, 'x86_64', false, {}],
      arch: 'x86_64',
      channel: 'default',
    });
    const repoTask = await hut.makeTask({
      method: 'createrepo',
      args: [1, 'x86_64', null],
      channel: 'createrepo',
    });
    expect(ids(await hut.checkIn(arm, armTask))).toEqual([armTask]);
    expect(ids(await hut.checkIn(x86, [x86Task, repoTask])).sort()).toEqual([x86Task, repoTask].sort());
  });

  it('refuses noarch build tasks automatically to hosts without the tag arches', async () => {
    const x86 = await start();
    const arm = await extraHost('builder-arm', 'aarch64', ['default']);
    const task = await hut.makeTask({
      method: 'buildArch',
      args: ['x.src.rpm', hut.tag, 'noarch', false, {}],
      channel: 'default',
    });
    expect(await hut.checkInThroughARun(arm)).toEqual([]);
    expect(ids(await hut.checkIn(x86, task))).toEqual([task]);
  });

  it('marks a host silent for ReadyTimeout not ready', async () => {
    const host = await start({ readyTimeoutMs: 200 });
    await host.call('host.updateHost', [0, true]);
    hut.clock!.advance(10_000); // past ReadyTimeout and RunInterval
    await hut.makeTask({ method: 'sleep', args: [1] });
    expect(await host.call('host.getTasks')).toEqual([]);
    expect((await host.call<Row>('host.getHost')).ready).toBe(false);
  });

  it('frees a task not opened within AssignTimeout and gives it to another host', async () => {
    const slow = await start({ assignTimeoutMs: 200 });
    const other = await extraHost('builder-2', 'x86_64', ['default']);
    const task = await hut.makeTask({ method: 'sleep', args: [1], channel: 'default' });
    expect(ids(await hut.checkIn(slow, task))).toEqual([task]);
    hut.clock!.advance(300);
    await slow.call('host.updateHost', [0, true]); // checked in since: an implicit refusal
    expect(await hut.checkInThroughARun(other)).toEqual([]); // this run frees it
    expect((await other.call<Row>('getTaskInfo', [task])).state).toBe(0);
    expect(ids(await hut.checkIn(other, task))).toEqual([task]);
  });

  it('frees the open tasks of a host silent for HostTimeout', async () => {
    // a silent host is also not ready (ReadyTimeout), or the task could go back to it
    const gone = await start({ hostTimeoutMs: 200, readyTimeoutMs: 250 });
    const other = await extraHost('builder-2', 'x86_64', ['default']);
    const task = await hut.makeTask({ method: 'sleep', args: [1], channel: 'default' });
    expect(ids(await hut.checkIn(gone, task))).toEqual([task]);
    await gone.call('host.openTask', [task]);
    hut.clock!.advance(300);
    expect(await hut.checkInThroughARun(other)).toEqual([]);
    expect(ids(await hut.checkIn(other, task))).toEqual([task]);
  });
});
