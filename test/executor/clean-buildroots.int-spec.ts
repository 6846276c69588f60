import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BuildError, type KojiFault } from '@koji-farm/koji';
import { TASK_STATES } from '../koji-hub-sim';
import { GitServer, scmPackage } from '../orchestration/support/git-server';
import { TEST_IMAGE } from '../support/container-test-kit';
import { TestFarm } from './support/test-farm';

const run = promisify(execFile);

/**
 * Clean buildroots (issue 11, ADR 0079): the executor's image only installs; the group
 * (kf-rootfs, a root file system of real Debian packages, and the markers) and the SRPM's
 * BuildRequires come from the tag's repo into a root of their own, and rpmbuild runs
 * chrooted in it. The bootstrap image of these tests carries a file that no RPM holds.
 */
describe('clean buildroots (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;
  let dir: string;
  const image = `localhost/kf-test-bootstrap:${process.pid}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kf-clean-'));
    writeFileSync(
      join(dir, 'Containerfile'),
      `FROM ${TEST_IMAGE}\nRUN echo "only in the bootstrap image" > /kf-bootstrap-only\n`,
    );
    await run('podman', ['build', '--quiet', '--network', 'none', '-t', image, dir]);
    farm = await TestFarm.start('exec-clean', { distribution: 'rootfs' });
    await farm.startExecutor('exec-clean-1', {
      BUILDROOT_MODE: 'clean',
      TASK_IMAGE_DEFAULT: image,
      ARCHES: 'x86_64,noarch',
      // buildSRPMFromSCM: this test's git daemon; its bootstrap is SCM_IMAGE (the buildroot image with git)
      ALLOWED_SCMS: '127.0.0.1*:/kf-*:no',
    });
  }, 300_000);

  afterAll(async () => {
    await farm?.stop();
    await run('podman', ['rmi', '--force', image]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const taskDir = (taskId: number) => join(farm.sim.dir, 'work', `tasks/${taskId % 10000}/${taskId}`);
  const log = (taskId: number, name: string) => readFileSync(join(taskDir(taskId), name), 'utf8');

  async function build(srpm: string): Promise<{ taskId: number; brootId: number }> {
    const message = await farm.buildArchTask(srpm, { keepSrpm: false });
    await farm.publish(message);
    const finished = await farm.events.finished(message.taskId);
    expect({ state: finished.state, error: finished.error?.message }).toEqual({
      state: 'closed',
      error: undefined,
    });
    const [broot] = await farm.host.buildroots(message.taskId);
    return { taskId: message.taskId, brootId: broot.id };
  }

  /** The packages of the root as its last `rpm -qa` in root.log printed them (N-V-R.A). */
  function lastListInRootLog(rootLog: string, step: string): string[] {
    const after = rootLog.slice(rootLog.lastIndexOf(`step "exec ${step}":`));
    return after
      .split('\n')
      .map((line) => line.split('\t'))
      .filter((f) => f.length === 8)
      .map(([name, version, release, , arch]) => `${name}-${version}-${release}.${arch}`)
      .sort();
  }

  it('installs the BuildRequires from the tag repo, builds against them, and the hub lists the whole root', async () => {
    const { taskId, brootId } = await build(farm.seed.srpms.needsDevdep);
    const result = (await farm.host.taskResult(taskId)) as { rpms: string[] };
    expect(result.rpms.map((p) => p.split('/').at(-1))).toEqual(['kf-needs-devdep-1.0-1.kf1.x86_64.rpm']);

    const listing = await farm.host.buildrootListing(brootId);
    expect(listing).toEqual([
      'kf-build-macros-1.0-1.noarch',
      'kf-buildsys-1.0-1.noarch',
      'kf-devdep-1.0-1.noarch',
      'kf-rootfs-1.0-1.x86_64',
    ]);
    const rootLog = log(taskId, 'root.log');
    expect(rootLog).toContain('clean mode');
    expect(lastListInRootLog(rootLog, 'list packages after BuildRequires')).toEqual(listing);
    // mock's installed_pkgs.log: the whole root as the build starts
    expect(
      log(taskId, 'installed_pkgs.log')
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[0]),
    ).toEqual(listing);
    expect(log(taskId, 'build.log')).toContain('unshare --user --map-root-user --mount --net');
  }, 300_000);

  it('leaves the dependency out of the next build of an SRPM that does not need it', async () => {
    const { taskId, brootId } = await build(farm.seed.srpms.hello);
    const listing = await farm.host.buildrootListing(brootId);
    expect(listing).not.toContain('kf-devdep-1.0-1.noarch');
    expect(listing).toEqual([
      'kf-build-macros-1.0-1.noarch',
      'kf-buildsys-1.0-1.noarch',
      'kf-rootfs-1.0-1.x86_64',
    ]);
    // Its BuildRequires (kf-build-macros) came with the group: no dnf, no second list.
    const rootLog = log(taskId, 'root.log');
    expect(rootLog).toContain('kf: every BuildRequires is already installed: kf-build-macros');
    expect(rootLog).not.toContain('list packages after BuildRequires');
    expect(lastListInRootLog(rootLog, 'list installed packages')).toEqual(listing);
  }, 300_000);

  it('fails an SRPM whose BuildRequires no repo provides with a BuildError naming it', async () => {
    const message = await farm.buildArchTask(farm.seed.srpms.unmet, { keepSrpm: false });
    await farm.publish(message);
    const finished = await farm.events.finished(message.taskId);
    expect(finished).toMatchObject({ state: 'failed', error: { faultCode: 1005, name: 'BuildError' } });
    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.FAILED);
    const fault = await farm.host.taskResult(message.taskId).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(fault).toBeInstanceOf(BuildError);
    expect((fault as KojiFault).faultString).toContain("No matching package to install: 'kf-does-not-exist'");
    expect(log(message.taskId, 'root.log')).toContain("No matching package to install: 'kf-does-not-exist'");
    expect(await farm.containersOf(message.taskId)).toEqual([]);
  }, 300_000);

  it('shows the build nothing of the bootstrap image, with /proc, /dev and /tmp working and no network', async () => {
    const { taskId } = await build(farm.srpms.probe);
    const buildLog = log(taskId, 'build.log');
    expect(buildLog).toContain('bootstrap file: absent');
    expect(buildLog).toContain('dnf: absent');
    expect(buildLog).toContain('interfaces: lo ');
    expect(buildLog).toContain('proc: ok');
    expect(buildLog).toContain('dev: ok');
    expect(buildLog).toContain('tmp: ok');
    expect(buildLog).toContain('cwd: /builddir/build/BUILD');
  }, 300_000);

  it('rebuilds an SRPM (rebuildSRPM) in a clean srpm-build root', async () => {
    const message = await farm.host.openTask(
      'rebuildSRPM',
      [farm.seed.srpms.hello, farm.seed.buildTag, { repo_id: farm.seed.repoId }],
      'noarch',
    );
    await farm.publish(message, 'noarch');
    const finished = await farm.events.finished(message.taskId);
    expect({ state: finished.state, error: finished.error?.message }).toEqual({
      state: 'closed',
      error: undefined,
    });
    const result = (await farm.host.taskResult(message.taskId)) as { srpm: string; brootid: number };
    expect(result.srpm.split('/').at(-1)).toBe('kf-hello-1.0-1.kf1.src.rpm');
    expect(await farm.host.buildrootListing(result.brootid)).toEqual([
      'kf-build-macros-1.0-1.noarch',
      'kf-buildsys-1.0-1.noarch',
      'kf-rootfs-1.0-1.x86_64',
    ]);
    expect(log(message.taskId, 'build.log')).toContain('unshare --user --map-root-user --mount --net');
  }, 300_000);

  it('builds an SRPM from git (buildSRPMFromSCM) in a clean srpm-build root: git in the bootstrap, make sources and rpmbuild -bs chrooted in the root', async () => {
    const git = await GitServer.start(join(dir, 'git'));
    try {
      const commit = await git.commit('kf-scm', scmPackage('kf-hello', '7'));
      const message = await farm.host.openTask(
        'buildSRPMFromSCM',
        [`${git.url('kf-scm')}#main`, farm.seed.buildTag, { repo_id: farm.seed.repoId }],
        'noarch',
      );
      await farm.publish(message, 'noarch');
      const finished = await farm.events.finished(message.taskId);
      expect({ state: finished.state, error: finished.error?.message }).toEqual({
        state: 'closed',
        error: undefined,
      });
      const result = (await farm.host.taskResult(message.taskId)) as {
        srpm: string;
        brootid: number;
        source: { source: string };
      };
      expect(result.srpm.split('/').at(-1)).toBe('kf-hello-1.0-7.kf1.src.rpm');
      expect(result.source.source).toBe(`git://127.0.0.1:${git.port}/kf-scm.git#${commit}`);
      // the hub's buildroot list is the root's content: the srpm-build group, no git
      expect(await farm.host.buildrootListing(result.brootid)).toEqual([
        'kf-build-macros-1.0-1.noarch',
        'kf-buildsys-1.0-1.noarch',
        'kf-rootfs-1.0-1.x86_64',
      ]);
      const stepLine = (text: string, step: string) =>
        text.split('\n').find((line) => line.startsWith(`koji-farm: step "exec ${step}": `)) ?? '';
      // git ran in the bootstrap, into the root's /builddir/scmroot
      expect(stepLine(log(message.taskId, 'checkout.log'), 'git clone')).toContain(
        'git clone -n git://127.0.0.1:',
      );
      expect(stepLine(log(message.taskId, 'checkout.log'), 'git clone')).toMatch(
        / \/kf\/root\/builddir\/scmroot\/kf-scm$/,
      );
      // the sources command and rpmbuild -bs ran chrooted in it
      const buildLog = log(message.taskId, 'build.log');
      for (const step of ['make sources', 'rpmbuild -bs'])
        expect(stepLine(buildLog, step)).toContain('unshare --user --map-root-user --mount');
      expect(buildLog).toContain(
        'kf-enter-root /kf/root sh -c cd "$1" && shift && exec "$@" sh /builddir/scmroot/kf-scm make sources\n',
      );
      expect(buildLog).toContain('echo "hello from make sources" > greeting.txt');
    } finally {
      git.stop();
    }
  }, 300_000);
});
