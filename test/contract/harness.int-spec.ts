import { GenericError, type KojiClient } from '@koji-farm/koji';
import { CONTRACT_HUB } from './support/contract-config';
import { HubUnderTest } from './support/hub-under-test';
import { uniqueName } from './support/hub-world';

type Row = Record<string, unknown>;
const FREE = 0;
const CANCELED = 3;

/**
 * The harness other tests build on: a world of their own on a hub that keeps what
 * earlier runs made, and a host that checks in as kojid does.
 */
describe('the contract-test harness', () => {
  let hut: HubUnderTest;
  let host: KojiClient;
  beforeEach(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
    host = await hut.hostClient();
  });
  afterEach(async () => {
    await hut.stop();
  });

  it('makes tags, a build target and package-list entries with unique names', async () => {
    expect(uniqueName('tag')).not.toBe(uniqueName('tag'));
    const pkg = uniqueName('pkg');
    const setup = await hut.world.makeBuildSetup(hut.tag, [pkg]);
    expect(await host.call<Row>('getBuildTarget', [setup.target])).toMatchObject({
      name: setup.target,
      build_tag_name: setup.buildTag,
      dest_tag_name: setup.destTag,
    });
    const parentConfig = await host.call<Row>('getBuildConfig', [hut.tag]);
    expect(await host.call<Row>('getBuildConfig', [setup.buildTag])).toMatchObject({
      name: setup.buildTag,
      arches: parentConfig.arches,
      extra: parentConfig.extra,
    });
    expect(await host.call('checkTagPackage', [setup.destTag, pkg])).toBe(true);
    expect(await host.call('checkTagPackage', [setup.buildTag, pkg])).toBe(false);
    const admin = await hut.adminClient();
    const again = await admin.call('createTag', [setup.destTag]).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(GenericError);
    expect((again as GenericError).faultString).toBe(`A tag with the name '${setup.destTag}' already exists`);
  });

  it('puts the host into its channels with room for the tests', async () => {
    const info = await host.call<{ id: number; capacity: number }>('host.getHost');
    expect(info.capacity).toBeGreaterThanOrEqual(10);
    const channels = (await host.call<Row[]>('listChannels', [], { hostID: info.id })).map((c) => c.name);
    expect(channels).toEqual(expect.arrayContaining(['default', 'createrepo', hut.channel]));
    const own = await hut.world.makeChannel();
    expect((await host.call<Row[]>('listChannels', [], { hostID: info.id })).map((c) => c.name)).toContain(
      own,
    );
  });

  it('takes the host out of the channels of earlier runs, so that their leftover tasks stay unassigned', async () => {
    const earlier = await hut.world.makeChannel(); // as an earlier (killed) run's own channel
    const leftover = await hut.makeTask({ method: 'sleep', args: [1], channel: earlier });
    await hut.world.prepareHost(['default', 'createrepo', hut.channel]);
    const info = await host.call<{ id: number }>('host.getHost');
    const channels = (await host.call<Row[]>('listChannels', [], { hostID: info.id })).map((c) => c.name);
    expect(channels).not.toContain(earlier);
    expect(channels).toEqual(expect.arrayContaining(['default', 'createrepo', hut.channel]));
    expect(await hut.checkInThroughARun(host)).toEqual([]);
    expect(await host.call<Row>('getTaskInfo', [leftover])).toMatchObject({ state: FREE, host_id: null });
    const admin = await hut.adminClient();
    const again = await admin.call('removeHostFromChannel', [hut.hostUser, earlier]).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(GenericError);
    expect((again as GenericError).faultString).toBe(
      `host ${hut.hostUser} is not subscribed to the ${earlier} channel`,
    );
  });

  it('checks in until the task is assigned; one check-in right after a run gets nothing', async () => {
    const first = await hut.makeTask({ method: 'sleep', args: [1] });
    expect((await hut.checkIn(host, first)).map((t) => t.id)).toEqual([first]);
    await host.call('host.openTask', [first]);
    const second = await hut.makeTask({ method: 'sleep', args: [2] });
    expect(await hut.checkInOnce(host)).toEqual([]);
    expect((await hut.checkIn(host, second)).map((t) => t.id)).toEqual([second]);
  });

  it('refuses for good the tasks an earlier run left that the scheduler gives the host', async () => {
    const leftover = await hut.makeTask({ method: 'sleep', args: [1] });
    await hut.forgetTasksSoFar();
    const mine = await hut.makeTask({ method: 'sleep', args: [2] });
    expect((await hut.checkIn(host, mine)).map((t) => t.id)).toEqual([mine]);
    expect(await host.call<Row>('getTaskInfo', [leftover])).toMatchObject({ state: FREE, host_id: null });
    await host.call('host.openTask', [mine]);
    expect(await hut.checkInThroughARun(host)).toEqual([]);
    await (await hut.adminClient()).call('cancelTask', [leftover]); // older than the baseline: not canceled at stop
  });

  it('cancels the unfinished tasks the test made', async () => {
    const baseline = await hut.world.lastTaskId();
    const made = await hut.makeTask({ method: 'sleep', args: [1] });
    await hut.world.cancelTasksAfter(baseline);
    expect((await host.call<Row>('getTaskInfo', [made])).state).toBe(CANCELED);
  });

  it('gives a host made with capacity 2 (as `koji add-host` makes it) room for ten tasks', async () => {
    const admin = await hut.adminClient();
    expect(await admin.call('editHost', [hut.hostUser], { capacity: 2 })).toBe(true);
    expect(await admin.call('editHost', [hut.hostUser], { capacity: 2 })).toBe(false); // no change
    await hut.world.prepareHost([hut.channel]);
    expect((await host.call<{ capacity: number }>('host.getHost')).capacity).toBe(10);
  });
});
