import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KojiFault } from '@koji-farm/koji';
import { BUILD_STATES, TASK_STATES } from '../koji-hub-sim';
import { OrchestrationFarm } from './support/orchestration-farm';
import { makeSrpm } from './support/test-srpms';

jest.setTimeout(300_000);

/** The fault a FAILED task's result raises. */
async function faultOf(farm: OrchestrationFarm, taskId: number): Promise<KojiFault> {
  return farm.user.taskResult(taskId).then(
    () => {
      throw new Error(`task ${taskId} has a result, not a fault`);
    },
    (err: KojiFault) => err,
  );
}

/** Parent tasks on koji.tasks.orchestrate: they hold no container slot and wait on their children. */
describe('parent tasks', () => {
  let farm: OrchestrationFarm;

  beforeEach(async () => {
    farm = await OrchestrationFarm.start('parents', { seed: { extra: { rebuild_srpm: false } } });
  });

  afterEach(async () => {
    await farm.stop();
  });

  it('runs sleep on the orchestration queue without taking a container slot', async () => {
    await farm.startExecutor('exec-a', { SLOTS: '1' });
    const ids = await Promise.all([0, 0, 1].map((n) => farm.user.makeTask('sleep', [n])));
    for (const id of ids) expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const heartbeats = farm.events.events.filter((e) => e.type === 'executor.heartbeat');
    expect(heartbeats.every((h) => 'busy' in h && h.busy === 0)).toBe(true);
    expect(heartbeats.some((h) => 'orchestrating' in h && h.orchestrating > 0)).toBe(true);
  });

  it('builds an uploaded SRPM as a scratch build: the buildArch child CLOSED, its files moved to scratch', async () => {
    await farm.startExecutor('exec-a');
    const src = await farm.user.uploadSrpm(join(farm.seed.fixturesDir, 'srpms', 'kf-hello-1.0-1.src.rpm'));
    const id = await farm.user.build(src, farm.seed.target, { scratch: true });
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    expect(farm.children(id).map((c) => [c.method, c.label, c.state])).toEqual([
      ['buildArch', 'x86_64', TASK_STATES.CLOSED],
    ]);
    const scratch = join(farm.sim.dir, 'scratch', 'kojiadmin', `task_${id}`);
    expect(readdirSync(scratch).sort()).toEqual([
      'kf-hello-1.0-1.kf1.x86_64.rpm',
      'kf-hello-1.0-1.src.rpm',
      'logs',
    ]);
    expect(await farm.user.client.call('listBuilds', [], { taskID: id })).toEqual([]);
  });

  it('builds, imports and tags a regular build: COMPLETE, its RPMs imported, every child CLOSED', async () => {
    await farm.startExecutor('exec-a');
    const src = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), { name: 'kf-hello', release: '4', build: 'echo built' }),
    );
    const id = await farm.user.build(src, farm.seed.target, {});
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    expect(farm.children(id).map((c) => [c.method, c.label, c.state])).toEqual([
      ['buildArch', 'x86_64', TASK_STATES.CLOSED],
      ['tagBuild', 'tag', TASK_STATES.CLOSED],
    ]);
    const tagged = await farm.user.taggedBuildOf(farm.seed.destTag, 'kf-hello', id);
    expect(tagged).toMatchObject({ nvr: 'kf-hello-1.0-4', state: BUILD_STATES.COMPLETE });
    const paths = await farm.user.buildRpmPaths(tagged!);
    expect(paths.sort()).toEqual([
      'packages/kf-hello/1.0/4/src/kf-hello-1.0-4.src.rpm',
      'packages/kf-hello/1.0/4/x86_64/kf-hello-1.0-4.x86_64.rpm',
    ]);
    for (const path of paths) expect(existsSync(join(farm.sim.dir, path))).toBe(true);
  });

  it('fails the build with the buildArch error when the package does not build, and fails the build on the hub', async () => {
    await farm.startExecutor('exec-a');
    const id = await farm.user.build(farm.seed.srpms.broken, farm.seed.target, {});
    expect(await farm.settled(id)).toBe(TASK_STATES.FAILED);
    const [child] = farm.children(id);
    expect(child).toMatchObject({ method: 'buildArch', state: TASK_STATES.FAILED });
    const parentFault = await faultOf(farm, id);
    const childFault = await faultOf(farm, child.id);
    expect(parentFault.faultCode).toBe(1005);
    expect(parentFault.faultString).toBe(childFault.faultString);
    expect(parentFault.faultString).toMatch(/error building package \(arch x86_64\)/);
    const build = await farm.user.client.call<{ state: number }>('getBuild', ['kf-broken-1.0-1']);
    expect(build.state).toBe(BUILD_STATES.FAILED);
  });

  it('on cancel of the build, cancels its children and removes their containers', async () => {
    await farm.startExecutor('exec-a');
    const sleepy = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), {
        name: 'kf-hello',
        release: '2',
        build: 'echo sleeping; sleep 600',
      }),
    );
    const id = await farm.user.build(sleepy, farm.seed.target, { scratch: true });
    await farm.until(() => farm.children(id).length === 1, 60_000, 'the buildArch child exists');
    const [child] = farm.children(id);
    await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === child.id && e.name.startsWith('exec rpmbuild'),
      120_000,
    );
    expect(await farm.containersOf(child.id)).toHaveLength(1);
    await farm.user.client.call('cancelTask', [id]);
    // How fast is the cancel scenario's figure (docs/reliability.md); here: that it goes.
    await farm.until(
      async () => (await farm.containersOf(child.id)).length === 0,
      60_000,
      'the child container is gone',
    );
    expect(farm.task(id).state).toBe(TASK_STATES.CANCELED);
    expect(farm.task(child.id).state).toBe(TASK_STATES.CANCELED);
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
      seed: {
        arches: 'x86_64 i686',
        extra: { rebuild_srpm: false },
        host: { name: 'kf-builder', password: 'kf-builder', arches: 'x86_64 i386' },
      },
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
        release: '3',
        exclusiveArch: 'x86_64 i686',
        build:
          'case "%{_target_cpu}" in x86_64) echo waiting; sleep 600;; *) echo "kf-split: fails on %{_target_cpu}" >&2; exit 1;; esac',
      }),
    );
    const id = await farm.user.build(split, farm.seed.target, { scratch: true });
    expect(await farm.settled(id)).toBe(TASK_STATES.FAILED);
    const children = farm.children(id);
    expect(children.map((c) => c.label).sort()).toEqual(['i686', 'x86_64']);
    const failed = children.find((c) => c.label === 'i686')!;
    const sibling = children.find((c) => c.label === 'x86_64')!;
    expect(farm.task(failed.id).state).toBe(TASK_STATES.FAILED);
    expect(farm.task(sibling.id).state).toBe(TASK_STATES.CANCELED);
    expect((await faultOf(farm, id)).faultString).toBe((await faultOf(farm, failed.id)).faultString);
    await farm.until(
      async () => (await farm.containersOf(sibling.id)).length === 0,
      60_000,
      'the sibling container is gone',
    );
  });
});
