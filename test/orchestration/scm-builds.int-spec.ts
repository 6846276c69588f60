import { join } from 'node:path';
import { BUILD_STATES, TASK_STATES } from '../koji-hub-sim';
import { REAL_HUB, uniqueRelease } from './support/farm-hub';
import { GitHttpServer } from './support/git-http-server';
import { GitServer, scmPackage } from './support/git-server';
import { OrchestrationFarm } from './support/orchestration-farm';

jest.setTimeout(REAL_HUB ? 3_600_000 : 300_000);

/**
 * Builds from a git URL (buildSRPMFromSCM): allowed and refused, over git:// (git daemon)
 * and smart HTTP with a password, and a chain build of them.
 */
describe('builds from SCM', () => {
  let farm: OrchestrationFarm;
  let git: GitServer;

  beforeEach(async () => {
    farm = await OrchestrationFarm.start('scm');
    git = await GitServer.start(join(farm.dir, 'git'));
    // kojid's allowed_scms: this server's /kf-* repositories (no common/, `make sources`), nothing from /blocked/
    await farm.startExecutor('exec-a', {
      ALLOWED_SCMS: '!127.0.0.1*:/blocked/* 127.0.0.1*:/kf-*:no',
      ALLOW_PASSWORD_IN_SCM_URL: 'true',
    });
  });

  afterEach(async () => {
    git.stop();
    await farm.stop();
  });

  it('builds from a git URL: checkout, the sources command, the SRPM, the build; its source is the URL at the commit', async () => {
    const release = uniqueRelease(9);
    const commit = await git.commit('kf-scm', scmPackage('kf-hello', release));
    const url = `${git.url('kf-scm')}#main`;
    const id = await farm.build(url);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const children = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
    expect(children.map((c) => [c.method, c.label, c.state])).toEqual([
      ['buildSRPMFromSCM', 'srpm', TASK_STATES.CLOSED],
      ['buildArch', 'noarch', TASK_STATES.CLOSED],
      ['tagBuild', 'tag', TASK_STATES.CLOSED],
    ]);
    const srpmTask = children[0];
    const result = await farm.user.taskResult<{
      srpm: string;
      logs: string[];
      source: { url: string; source: string };
    }>(srpmTask.id);
    expect(result.source).toEqual({ url, source: `git://127.0.0.1:${git.port}/kf-scm.git#${commit}` });
    expect(result.logs).toContain(`tasks/${srpmTask.id % 10000}/${srpmTask.id}/checkout.log`);
    const checkoutLog = await (
      await fetch(`${farm.hub.topurl}/work/tasks/${srpmTask.id % 10000}/${srpmTask.id}/checkout.log`)
    ).text();
    expect(checkoutLog).toContain('git clone -n');
    const [build] = await farm.user.client.call<Array<{ nvr: string; state: number; source: string }>>(
      'listBuilds',
      [],
      {
        taskID: id,
      },
    );
    expect(build).toMatchObject({ state: BUILD_STATES.COMPLETE, source: result.source.source });
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

  it('checks out over smart HTTP with the password of the URL, which no log, event or result shows', async () => {
    const credentials = { user: 'kf', password: 's3cret-pw-4711' };
    const http = await GitHttpServer.start(join(farm.dir, 'git'), credentials);
    try {
      const commit = await git.commit('kf-auth', scmPackage('kf-hello', uniqueRelease(13)));
      const url = `${http.url('kf-auth', credentials)}#main`;
      const id = await farm.build(url, { scratch: true });
      expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
      expect(http.authorized).toBeGreaterThan(0);
      const [srpmTask] = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
      expect(srpmTask).toMatchObject({ method: 'buildSRPMFromSCM', state: TASK_STATES.CLOSED });
      const result = await farm.user.taskResult<{ logs: string[]; source: { url: string; source: string } }>(
        srpmTask.id,
      );
      expect(result.source).toEqual({
        url: `git+http://kf:***@127.0.0.1:${http.port}/kf-auth.git#main`,
        source: `git+http://127.0.0.1:${http.port}/kf-auth.git#${commit}`,
      });
      for (const log of result.logs) {
        const text = await (await fetch(`${farm.hub.topurl}/work/${log}`)).text();
        expect(text).not.toContain(credentials.password);
      }
      await farm.events.finished(srpmTask.id);
      expect(farm.events.raw.filter((body) => body.includes(credentials.password))).toEqual([]);
    } finally {
      await http.stop();
    }
  });

  it('refuses a URL no rule allows and one a ! rule blocks, naming the rule', async () => {
    await git.commit('blocked/kf-x', scmPackage('kf-hello', uniqueRelease(10)));
    const blocked = await farm.build(`${git.url('blocked/kf-x')}#main`, { scratch: true });
    const unlisted = await farm.build(`git://scm.invalid/elsewhere.git#main`, { scratch: true });
    expect(await farm.settled(blocked)).toBe(TASK_STATES.FAILED);
    expect(await farm.settled(unlisted)).toBe(TASK_STATES.FAILED);
    expect(await farm.user.taskFailure(blocked)).toBe(
      `BuildError: 127.0.0.1:${git.port}:/blocked/kf-x.git is not allowed: blocked by the allowed_scms rule !127.0.0.1*:/blocked/*`,
    );
    expect(await farm.user.taskFailure(unlisted)).toBe(
      'BuildError: scm.invalid:/elsewhere.git is not in the list of allowed SCMs (no allowed_scms rule matches: !127.0.0.1*:/blocked/* 127.0.0.1*:/kf-*:no)',
    );
    for (const id of [blocked, unlisted]) {
      const [srpmTask] = (await farm.children(id)).filter((c) => c.method !== 'waitrepo');
      expect(srpmTask).toMatchObject({ method: 'buildSRPMFromSCM', state: TASK_STATES.FAILED });
      // refused before any buildroot was made
      expect(await farm.user.client.call('listBuildroots', [], { taskID: srpmTask.id })).toEqual([]);
    }
  });

  it('chain-builds two levels: the second waits until the first is in the build tag repo', async () => {
    const first = uniqueRelease(11);
    const second = uniqueRelease(12);
    await git.commit('kf-chain-a', scmPackage('kf-hello', first));
    await git.commit('kf-chain-b', scmPackage('kf-hello', second));
    const id = await farm.makeTask('chainbuild', [
      [[`${git.url('kf-chain-a')}#main`], [`${git.url('kf-chain-b')}#main`]],
      farm.seed.target,
      {},
    ]);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const children = await farm.children(id);
    expect(children.map((c) => [c.method, c.label, c.state])).toEqual([
      ['build', 'build 0,0', TASK_STATES.CLOSED],
      ['waitrepo', 'wait 1', TASK_STATES.CLOSED],
      ['build', 'build 1,0', TASK_STATES.CLOSED],
    ]);
    const waitArgs = (await farm.user.taskInfo(children[1].id))!.request!;
    expect(waitArgs[2]).toEqual([
      expect.stringMatching(new RegExp(`^kf-hello-1\\.0-${first.replace('.', '\\.')}`)),
    ]);
    const repo = await farm.user.taskResult<{ id: number; create_event: number }>(children[1].id);
    const secondBuild = await farm.user.taskInfo(children[2].id);
    expect(secondBuild!.state).toBe(TASK_STATES.CLOSED);
    expect(repo.id).toEqual(expect.any(Number));
  });
});
