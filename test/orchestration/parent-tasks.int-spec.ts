import { join } from 'node:path';
import { type KojiFault } from '@koji-farm/koji';
import { BUILD_STATES, TASK_STATES } from '../koji-hub-sim';
import { REAL_HUB, uniqueRelease } from './support/farm-hub';
import { OrchestrationFarm } from './support/orchestration-farm';
import { makeSrpm } from './support/test-srpms';

jest.setTimeout(REAL_HUB ? 3_600_000 : 300_000);

/** The fault a FAILED task's result raises. */
async function faultOf(farm: OrchestrationFarm, taskId: number): Promise<KojiFault> {
  return farm.user.taskResult(taskId).then(
    () => {
      throw new Error(`task ${taskId} has a result, not a fault`);
    },
    (err: KojiFault) => err,
  );
}

const shape = (rows: Array<{ method: string; label: string | null; state: number }>) =>
  rows.map((c) => [c.method, c.label, c.state]);

/**
 * Parent tasks on koji.tasks.orchestrate: they hold no container slot and wait on their
 * children. Against the simulator, or a real hub when KOJI_TEST_* are set.
 */
describe('parent tasks', () => {
  let farm: OrchestrationFarm;

  beforeEach(async () => {
    farm = await OrchestrationFarm.start('parents', { buildTagExtra: { rebuild_srpm: false } });
  });

  afterEach(async () => {
    await farm.stop();
  });

  it('runs sleep on the orchestration queue without taking a container slot', async () => {
    await farm.startExecutor('exec-a', { SLOTS: '1' });
    const ids = await Promise.all([0, 0, 1].map((n) => farm.makeTask('sleep', [n])));
    for (const id of ids) expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const heartbeats = farm.events.events.filter((e) => e.type === 'executor.heartbeat');
    expect(heartbeats.every((h) => 'busy' in h && h.busy === 0)).toBe(true);
    expect(heartbeats.some((h) => 'orchestrating' in h && h.orchestrating > 0)).toBe(true);
  });

  it('builds an uploaded SRPM as a scratch build: the buildArch child CLOSED, its files moved to scratch', async () => {
    await farm.startExecutor('exec-a');
    const src = await farm.user.uploadSrpm(join(farm.seed.fixturesDir, 'srpms', 'kf-hello-1.0-1.src.rpm'));
    const id = await farm.build(src, { scratch: true });
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const children = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
    expect(shape(children)).toEqual([['buildArch', 'x86_64', TASK_STATES.CLOSED]]);
    const scratch = `scratch/${farm.hub.admin.user}/task_${id}`;
    expect(await farm.served(`${scratch}/kf-hello-1.0-1.src.rpm`)).toBe(true);
    // the binary's release carries the build tag's dist (the simulator's seed: .kf1)
    if (!REAL_HUB) expect(await farm.served(`${scratch}/kf-hello-1.0-1.kf1.x86_64.rpm`)).toBe(true);
    expect(await farm.user.client.call('listBuilds', [], { taskID: id })).toEqual([]);
  });

  it('builds, imports and tags a regular build: COMPLETE, its RPMs imported, every child CLOSED', async () => {
    await farm.startExecutor('exec-a');
    const release = uniqueRelease(4);
    const src = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), { name: 'kf-hello', release, build: 'echo built' }),
    );
    const id = await farm.build(src);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const children = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
    expect(shape(children)).toEqual([
      ['buildArch', 'x86_64', TASK_STATES.CLOSED],
      ['tagBuild', 'tag', TASK_STATES.CLOSED],
    ]);
    const tagged = await farm.user.taggedBuildOf(farm.seed.destTag, 'kf-hello', id);
    expect(tagged).toMatchObject({ nvr: `kf-hello-1.0-${release}`, state: BUILD_STATES.COMPLETE });
    const paths = await farm.user.buildRpmPaths(tagged!);
    expect(paths.sort()).toEqual([
      `packages/kf-hello/1.0/${release}/src/kf-hello-1.0-${release}.src.rpm`,
      `packages/kf-hello/1.0/${release}/x86_64/kf-hello-1.0-${release}.x86_64.rpm`,
    ]);
    for (const path of paths) expect(await farm.served(path)).toBe(true);
  });

  it('fails the build with the buildArch error when the package does not build, and fails the build on the hub', async () => {
    await farm.startExecutor('exec-a');
    const id = await farm.build(farm.seed.srpms.broken);
    expect(await farm.settled(id)).toBe(TASK_STATES.FAILED);
    const [child] = (await farm.children(id)).filter((c) => c.method === 'buildArch');
    expect(child).toMatchObject({ method: 'buildArch', state: TASK_STATES.FAILED });
    const parentFault = await faultOf(farm, id);
    const childFault = await faultOf(farm, child.id);
    expect(parentFault.faultCode).toBe(1005);
    expect(parentFault.faultString).toBe(childFault.faultString);
    expect(parentFault.faultString).toMatch(/error building package \(arch x86_64\)/);
    const [build] = await farm.user.client.call<Array<{ state: number }>>('listBuilds', [], { taskID: id });
    expect(build.state).toBe(BUILD_STATES.FAILED);
  });

  it('on cancel of the build, cancels its children and removes their containers', async () => {
    await farm.startExecutor('exec-a');
    const sleepy = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), {
        name: 'kf-hello',
        release: uniqueRelease(2),
        build: 'echo sleeping; sleep 600',
      }),
    );
    const id = await farm.build(sleepy, { scratch: true });
    let child = 0;
    await farm.until(
      async () => (child = (await farm.children(id)).find((c) => c.method === 'buildArch')?.id ?? 0) > 0,
      REAL_HUB ? 1_800_000 : 60_000,
      'the buildArch child exists',
    );
    await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === child && e.name.startsWith('exec rpmbuild'),
      REAL_HUB ? 1_800_000 : 120_000,
    );
    expect(await farm.containersOf(child)).toHaveLength(1);
    await farm.user.client.call('cancelTask', [id]);
    // How fast is the cancel scenario's figure (docs/reliability.md); here: that it goes.
    await farm.until(
      async () => (await farm.containersOf(child)).length === 0,
      60_000,
      'the child container is gone',
    );
    expect((await farm.task(id)).state).toBe(TASK_STATES.CANCELED);
    expect((await farm.task(child)).state).toBe(TASK_STATES.CANCELED);
    await farm.events.finished(id);
    expect(farm.events.ofTask(id).find((e) => e.type === 'task.finished')).toMatchObject({
      state: 'canceled',
    });
  });
});

/** A build for two arches where one fails: the other child is cancelled and its container removed. */
describe('a failing child among several', () => {
  let farm: OrchestrationFarm;

  beforeEach(async () => {
    farm = await OrchestrationFarm.start('siblings', {
      buildTagExtra: { rebuild_srpm: false },
      arches: { tag: 'x86_64 i686', host: 'x86_64 i386' },
    });
  });

  afterEach(async () => {
    await farm.stop();
  });

  it('fails the build with the failed child error and cancels its running sibling', async () => {
    await farm.startExecutor('exec-a', { ARCHES: 'x86_64,i386,noarch' });
    const split = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), {
        name: 'kf-hello',
        release: uniqueRelease(3),
        exclusiveArch: 'x86_64 i686',
        build:
          'case "%{_target_cpu}" in x86_64) echo waiting; sleep 600;; *) echo "kf-split: fails on %{_target_cpu}" >&2; exit 1;; esac',
      }),
    );
    const id = await farm.build(split, { scratch: true });
    expect(await farm.settled(id)).toBe(TASK_STATES.FAILED);
    const children = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
    expect(children.map((c) => c.label).sort()).toEqual(['i686', 'x86_64']);
    const failed = children.find((c) => c.label === 'i686')!;
    const sibling = children.find((c) => c.label === 'x86_64')!;
    expect((await farm.task(failed.id)).state).toBe(TASK_STATES.FAILED);
    expect((await farm.task(sibling.id)).state).toBe(TASK_STATES.CANCELED);
    expect((await faultOf(farm, id)).faultString).toBe((await faultOf(farm, failed.id)).faultString);
    await farm.until(
      async () => (await farm.containersOf(sibling.id)).length === 0,
      60_000,
      'the sibling container is gone',
    );
  });
});
