import { join } from 'node:path';
import { ExecutorProcess } from '../executor/support/executor-process';
import { TASK_STATES } from '../koji-hub-sim';
import { REAL_HUB, uniqueRelease } from './support/farm-hub';
import { OrchestrationFarm } from './support/orchestration-farm';
import { makeSrpm } from './support/test-srpms';

jest.setTimeout(REAL_HUB ? 3_600_000 : 300_000);

/** An executor that dies while its parent task waits loses nothing: the parent resumes elsewhere. */
describe('a parent whose executor is killed', () => {
  let farm: OrchestrationFarm;
  let orchestrator: ExecutorProcess | undefined;

  beforeEach(async () => {
    farm = await OrchestrationFarm.start('resume', { buildTagExtra: { rebuild_srpm: false } });
  });

  afterEach(async () => {
    await orchestrator?.stop().catch(() => undefined);
    await farm.stop();
  });

  it('resumes on another executor with the same children, none of which runs twice', async () => {
    // Container tasks run only here; parents only on the orchestrators (their arch queue stays empty).
    await farm.startExecutor('builder', { ORCHESTRATION_SLOTS: '0' });
    const orchestratorEnv = (id: string) => ({
      ...farm.executorEnv(id),
      ARCHES: 'aarch64',
      SLOTS: '1',
      ORCHESTRATION_SLOTS: '5',
    });
    orchestrator = ExecutorProcess.spawn('orchestrator-a', orchestratorEnv('orchestrator-a'));
    await farm.events.waitFor(
      (e) => e.type === 'executor.heartbeat' && e.executorId === 'orchestrator-a',
      60_000,
    );

    const release = uniqueRelease(5);
    const slow = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), {
        name: 'kf-hello',
        release,
        build: 'echo building; sleep 8',
      }),
    );
    const id = await farm.build(slow);
    await farm.events.waitFor(
      (e) => e.type === 'task.started' && e.taskId === id && e.executorId === 'orchestrator-a',
      60_000,
    );
    let child = { id: 0 };
    await farm.until(
      async () => (child = (await farm.children(id)).find((c) => c.method === 'buildArch') ?? child).id > 0,
      REAL_HUB ? 1_800_000 : 60_000,
      'the buildArch child exists',
    );
    await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === child.id && e.name.startsWith('exec rpmbuild'),
      REAL_HUB ? 1_800_000 : 120_000,
    );
    expect((await farm.task(id)).waiting).toBe(true);

    orchestrator.kill('SIGKILL');
    await orchestrator.exited;
    await farm.startExecutor('orchestrator-b', orchestratorEnv('orchestrator-b'));

    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const children = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
    expect(children.map((c) => [c.id, c.method, c.state])).toEqual([
      [child.id, 'buildArch', TASK_STATES.CLOSED],
      [expect.any(Number), 'tagBuild', TASK_STATES.CLOSED],
    ]);
    for (const c of children) {
      const received = farm.events.ofTask(c.id).filter((e) => e.type === 'task.received');
      expect(received.map((e) => e.attempt)).toEqual([1]);
    }
    const parentRuns = farm.events.ofTask(id).filter((e) => e.type === 'task.received');
    expect(parentRuns.map((e) => [e.executorId, e.attempt])).toEqual([
      ['orchestrator-a', 1],
      ['orchestrator-b', 2],
    ]);
    const build = await farm.user.taggedBuildOf(farm.seed.destTag, 'kf-hello', id);
    expect(build).toMatchObject({ nvr: `kf-hello-1.0-${release}` });
  });
});
