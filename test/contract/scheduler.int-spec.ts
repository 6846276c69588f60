import { encodeResponse, KojiClient } from '@koji-farm/koji';
import type { HubSimulatorOptions } from '../koji-hub-sim';
import { CONTRACT_HUB } from './support/contract-config';
import { HubUnderTest, ManualClock } from './support/hub-under-test';

type Row = Record<string, unknown>;
const describeSim = CONTRACT_HUB.kind === 'sim' ? describe : describe.skip;

describeSim('the hub scheduler (simulator settings)', () => {
  let hut: HubUnderTest;
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });
  afterEach(async () => {
    await hut.stop();
  });

  async function start(options: Partial<HubSimulatorOptions> = {}): Promise<KojiClient> {
    hut = await HubUnderTest.start(CONTRACT_HUB, { clock: clock.now, ...options });
    return hut.hostClient();
  }

  async function extraHost(name: string, arches: string, channels: string[]): Promise<KojiClient> {
    hut.sim!.admin.addHost({ name, password: `${name}-pw`, arches, capacity: 10, channels });
    const client = hut.client();
    await client.login(name, `${name}-pw`);
    await client.exclusiveSession();
    return client;
  }

  const ids = (tasks: Row[]) => tasks.map((t) => t.id as number);

  it('assigns at most maxjobs tasks, priority first, and the next wave once they finish', async () => {
    const host = await start();
    const made: number[] = [];
    for (let i = 0; i < 12; i++)
      made.push(await hut.makeTask({ method: 'sleep', args: [i], priority: i < 2 ? 10 : 20 }));
    const wave1 = ids(await hut.checkIn(host, 0, { maxjobs: 5 }));
    expect(wave1).toEqual(made.slice(0, 5));
    for (const id of wave1) await host.call('host.openTask', [id]);
    expect(await hut.checkIn(host, 5, { maxjobs: 5 })).toEqual([]);
    for (const id of wave1) await host.call('host.closeTask', [id, encodeResponse(null)]);
    expect(ids(await hut.checkIn(host, 0, { maxjobs: 5 }))).toEqual(made.slice(5, 10));
  });

  it('runs at most once per RunInterval', async () => {
    const host = await start({ runIntervalMs: 60_000 });
    const first = await hut.makeTask({ method: 'sleep', args: [1] });
    expect(ids(await hut.checkIn(host))).toEqual([first]);
    await host.call('host.openTask', [first]);
    const second = await hut.makeTask({ method: 'sleep', args: [2] });
    expect(await hut.checkIn(host)).toEqual([]);
    expect(hut.sim!.admin.runScheduler()).toBe(true);
    expect(ids(await hut.checkIn(host))).toEqual([second]);
  });

  it('bins tasks by channel and arch', async () => {
    const x86 = await start();
    const arm = await extraHost('builder-arm', 'aarch64', ['default']);
    const armTask = await hut.makeTask({
      method: 'buildArch',
      args: ['x.src.rpm', hut.tag, 'aarch64', false, {}],
      arch: 'aarch64',
    });
    const x86Task = await hut.makeTask({
      method: 'buildArch',
      args: ['x.src.rpm', hut.tag, 'x86_64', false, {}],
      arch: 'x86_64',
    });
    const repoTask = await hut.makeTask({
      method: 'createrepo',
      args: [1, 'x86_64', null],
      channel: 'createrepo',
    });
    expect(ids(await hut.checkIn(arm))).toEqual([armTask]);
    expect(ids(await hut.checkIn(x86)).sort()).toEqual([x86Task, repoTask].sort());
  });

  it('refuses noarch build tasks automatically to hosts without the tag arches', async () => {
    const x86 = await start();
    const arm = await extraHost('builder-arm', 'aarch64', ['default']);
    const task = await hut.makeTask({
      method: 'buildArch',
      args: ['x.src.rpm', hut.tag, 'noarch', false, {}],
    });
    expect(await hut.checkIn(arm)).toEqual([]);
    expect(ids(await hut.checkIn(x86))).toEqual([task]);
  });

  it('gives no task to a host that is out of capacity', async () => {
    const host = await start();
    const first = await hut.makeTask({ method: 'sleep', args: [1] });
    expect(ids(await hut.checkIn(host))).toEqual([first]);
    await host.call('host.openTask', [first]);
    await host.call('host.setTaskWeight', [first, 10]);
    await hut.makeTask({ method: 'sleep', args: [2] });
    expect(await hut.checkIn(host, 10)).toEqual([]);
  });

  it('marks a host silent for ReadyTimeout not ready', async () => {
    const host = await start({ readyTimeoutMs: 200 });
    await host.call('host.updateHost', [0, true]);
    clock.advance(300);
    await hut.makeTask({ method: 'sleep', args: [1] });
    expect(await host.call('host.getTasks')).toEqual([]);
    expect((await host.call<Row>('host.getHost')).ready).toBe(false);
  });

  it('frees a task not opened within AssignTimeout and gives it to another host', async () => {
    const slow = await start({ assignTimeoutMs: 200 });
    const other = await extraHost('builder-2', 'x86_64', ['default']);
    const task = await hut.makeTask({ method: 'sleep', args: [1] });
    expect(ids(await hut.checkIn(slow))).toEqual([task]);
    clock.advance(300);
    await slow.call('host.updateHost', [0, true]); // checked in since: an implicit refusal
    expect(await hut.checkIn(other)).toEqual([]); // this run frees it
    expect((await other.call<Row>('getTaskInfo', [task])).state).toBe(0);
    expect(ids(await hut.checkIn(other))).toEqual([task]);
  });

  it('frees the open tasks of a host silent for HostTimeout', async () => {
    // a silent host is also not ready (ReadyTimeout), or the task could go back to it
    const gone = await start({ hostTimeoutMs: 200, readyTimeoutMs: 250 });
    const other = await extraHost('builder-2', 'x86_64', ['default']);
    const task = await hut.makeTask({ method: 'sleep', args: [1] });
    expect(ids(await hut.checkIn(gone))).toEqual([task]);
    await gone.call('host.openTask', [task]);
    clock.advance(300);
    expect(await hut.checkIn(other)).toEqual([]);
    expect(ids(await hut.checkIn(other))).toEqual([task]);
  });
});
