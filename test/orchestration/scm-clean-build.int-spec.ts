import { join } from 'node:path';
import { BUILD_STATES, TASK_STATES } from '../koji-hub-sim';
import { REAL_HUB, uniqueRelease } from './support/farm-hub';
import { GitServer, scmPackage } from './support/git-server';
import { OrchestrationFarm } from './support/orchestration-farm';

jest.setTimeout(REAL_HUB ? 3_600_000 : 600_000);

/**
 * A build from a git URL through the whole flow (build -> buildSRPMFromSCM -> buildArch
 * -> tagBuild) with clean buildroots (issue 11, ADR 0079), as kojid + mock make them:
 * each child builds in a root holding only its tag's group from the tag's repo. The
 * simulator is seeded with the kf-rootfs distribution, whose groups can build in a
 * clean root (scm-builds.int-spec runs image mode with marker groups).
 */
describe('a build from SCM in clean buildroots', () => {
  let farm: OrchestrationFarm;
  let git: GitServer;

  beforeAll(async () => {
    farm = await OrchestrationFarm.start('scmclean', { seed: { distribution: 'rootfs' } });
    git = await GitServer.start(join(farm.dir, 'git'));
    await farm.startExecutor('exec-clean', {
      ALLOWED_SCMS: '127.0.0.1*:/kf-*:no',
      BUILDROOT_MODE: 'clean',
      // Snapshots have their own tests (test/executor/buildroot-snapshots); none is left behind here.
      BUILDROOT_SNAPSHOTS: 'false',
    });
  });

  afterAll(async () => {
    git?.stop();
    await farm?.stop();
  });

  /** The hub's buildroot of `taskId` and its listing, as `name-version-release.arch`. */
  async function buildrootOf(taskId: number): Promise<{ id: number; listing: string[] }> {
    const [broot] = await farm.user.client.call<Array<{ id: number }>>('listBuildroots', [], {
      taskID: taskId,
    });
    const rows = await farm.user.client.call<
      Array<{ name: string; version: string; release: string; arch: string }>
    >('getBuildrootListing', [broot.id]);
    return { id: broot.id, listing: rows.map((r) => `${r.name}-${r.version}-${r.release}.${r.arch}`).sort() };
  }

  async function log(taskId: number, name: string): Promise<string> {
    const url = `${farm.hub.topurl}/work/tasks/${taskId % 10000}/${taskId}/${name}`;
    return (await fetch(url)).text();
  }

  it('checks out, makes the SRPM and the RPM each in a clean root of its group, and tags the build', async () => {
    const release = uniqueRelease(21);
    const commit = await git.commit('kf-scm-clean', scmPackage('kf-hello', release));
    const url = `${git.url('kf-scm-clean')}#main`;
    const id = await farm.build(url);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const children = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
    expect(children.map((c) => [c.method, c.state])).toEqual([
      ['buildSRPMFromSCM', TASK_STATES.CLOSED],
      ['buildArch', TASK_STATES.CLOSED],
      ['tagBuild', TASK_STATES.CLOSED],
    ]);
    const [srpmTask, archTask] = children;

    const srpmResult = await farm.user.taskResult<{ source: { source: string } }>(srpmTask.id);
    expect(srpmResult.source.source).toBe(`git://127.0.0.1:${git.port}/kf-scm-clean.git#${commit}`);
    // The SRPM was made chrooted in the srpm-build root, the RPM in the build root.
    const srpmRootLog = await log(srpmTask.id, 'root.log');
    expect(srpmRootLog).toMatch(/--installroot=\/kf\/root .*install @srpm-build/);
    const archRootLog = await log(archTask.id, 'root.log');
    expect(archRootLog).toContain('clean mode');
    expect(archRootLog).toMatch(/--installroot=\/kf\/root .*install @build/);
    const buildLog = await log(archTask.id, 'build.log');
    expect(buildLog).toMatch(
      /unshare --user --map-root-user --mount [\s\S]*kf-enter-root \/kf\/root rpmbuild --rebuild/,
    );

    // Each buildroot on the hub lists exactly its root: every package came from the tag's repo.
    const group = ['kf-build-macros-1.0-1.noarch', 'kf-buildsys-1.0-1.noarch', 'kf-rootfs-1.0-1.x86_64'];
    if (!REAL_HUB) {
      expect((await buildrootOf(srpmTask.id)).listing).toEqual(group);
      expect((await buildrootOf(archTask.id)).listing).toEqual(group);
    }
    const installed = await log(archTask.id, 'installed_pkgs.log');
    expect(
      installed
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ')[0]),
    ).toEqual((await buildrootOf(archTask.id)).listing);

    const [build] = await farm.user.client.call<Array<{ nvr: string; state: number; source: string }>>(
      'listBuilds',
      [],
      { taskID: id },
    );
    expect(build).toMatchObject({ state: BUILD_STATES.COMPLETE, source: srpmResult.source.source });
    if (!REAL_HUB) expect(build.nvr).toBe(`kf-hello-1.0-${release}.kf1`);
    const tagged = await farm.user.taggedBuildOf(farm.seed.destTag, 'kf-hello', id);
    expect(tagged).toMatchObject({ nvr: build.nvr, state: BUILD_STATES.COMPLETE });
    const paths = (await farm.user.buildRpmPaths(tagged!)).sort();
    expect(paths.map((p) => p.split('/').slice(-2).join('/'))).toEqual([
      `noarch/${build.nvr}.noarch.rpm`,
      `src/${build.nvr}.src.rpm`,
    ]);
    for (const path of paths) expect(await farm.served(path)).toBe(true);
  });
});
