import { join } from 'node:path';
import { BUILD_STATES, TASK_STATES } from '../koji-hub-sim';
import { REAL_HUB, uniqueRelease } from './support/farm-hub';
import { OrchestrationFarm } from './support/orchestration-farm';
import { makeSrpm } from './support/test-srpms';

jest.setTimeout(REAL_HUB ? 3_600_000 : 300_000);

/** A build of an uploaded SRPM on a tag that rebuilds SRPMs (Koji's default): the `srpm` child is rebuildSRPM. */
describe('rebuildSRPM', () => {
  let farm: OrchestrationFarm;

  beforeEach(async () => {
    farm = await OrchestrationFarm.start('rebuild');
    await farm.startExecutor('exec-a');
  });

  afterEach(async () => {
    await farm.stop();
  });

  it("rebuilds the uploaded SRPM in an srpm-build buildroot (the tag's dist), then builds, imports and tags it", async () => {
    const release = uniqueRelease(8);
    const src = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), {
        name: 'kf-hello',
        release: `${release}%{?dist}`,
        build: 'echo built',
      }),
    );
    const id = await farm.build(src);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const children = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
    expect(children.map((c) => [c.method, c.label, c.state])).toEqual([
      ['rebuildSRPM', 'srpm', TASK_STATES.CLOSED],
      ['buildArch', 'x86_64', TASK_STATES.CLOSED],
      ['tagBuild', 'tag', TASK_STATES.CLOSED],
    ]);
    const srpmTask = children[0];
    const result = await farm.user.taskResult<{
      srpm: string;
      logs: string[];
      brootid: number;
      source: { source: string };
    }>(srpmTask.id);
    // the build's N-V-R is the rebuilt SRPM's: its release carries the build tag's dist (the seed's .kf1)
    const [build] = await farm.user.client.call<Array<{ nvr: string; state: number }>>('listBuilds', [], {
      taskID: id,
    });
    expect(build.state).toBe(BUILD_STATES.COMPLETE);
    if (!REAL_HUB) expect(build.nvr).toBe(`kf-hello-1.0-${release}.kf1`);
    expect(result.srpm).toBe(`tasks/${srpmTask.id % 10000}/${srpmTask.id}/${build.nvr}.src.rpm`);
    expect(result.source.source).toBe(`${build.nvr}.src.rpm`);
    expect(result.logs).toEqual(
      expect.arrayContaining([expect.stringMatching(/build\.log$/), expect.stringMatching(/root\.log$/)]),
    );
    const buildroot = await farm.user.client.call<{ state: number; task_id: number }>('getBuildroot', [
      result.brootid,
    ]);
    expect(buildroot).toMatchObject({ task_id: srpmTask.id, state: 3 });
    expect(await farm.user.taggedBuildOf(farm.seed.destTag, 'kf-hello', id)).toMatchObject({
      nvr: build.nvr,
    });
  });

  it('fails the srpm task with BuildError when the SRPM file is missing', async () => {
    const id = await farm.build('cli-build/nowhere/kf-hello-1.0-1.src.rpm', { scratch: true });
    expect(await farm.settled(id)).toBe(TASK_STATES.FAILED);
    // on a real hub the test's new build tag has no repo yet: a waitrepo child comes first
    const [srpmTask] = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
    expect(srpmTask).toMatchObject({ method: 'rebuildSRPM', state: TASK_STATES.FAILED });
    expect(await farm.user.taskFailure(id)).toMatch(
      /^BuildError: Input SRPM file missing: cli-build\/nowhere/,
    );
  });
});
