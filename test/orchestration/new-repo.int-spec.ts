import { gunzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_STATES, TASK_STATES } from '../koji-hub-sim';
import { OrchestrationFarm } from './support/orchestration-farm';
import { makeRpms, makeSrpm } from './support/test-srpms';

jest.setTimeout(300_000);

/** Package locations in a repo's primary metadata. */
function locations(repodata: string): string[] {
  const primary = readdirSync(repodata).find((f) => f.endsWith('primary.xml.gz'));
  if (!primary) throw new Error(`no primary metadata in ${repodata}`);
  const xml = gunzipSync(readFileSync(join(repodata, primary))).toString('utf8');
  // a merged package from an external repo carries its repo as xml:base
  return [...xml.matchAll(/<location (?:xml:base="([^"]+)" )?href="([^"]+)"/g)]
    .map((m) => (m[1] ? `${m[1].replace(/\/$/, '')}/${m[2]}` : m[2]))
    .sort();
}

/** newRepo and its createrepo children, and a build that uses the new repo. */
describe('newRepo', () => {
  let farm: OrchestrationFarm;

  beforeEach(async () => {
    farm = await OrchestrationFarm.start('newrepo', { seed: { extra: { rebuild_srpm: false } } });
    await farm.startExecutor('exec-a');
  });

  afterEach(async () => {
    await farm.stop();
  });

  it('makes a READY repo of the build tag with createrepo, and the next build uses it', async () => {
    const id = await farm.user.newRepo(farm.seed.buildTag);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const [repoId, eventId] = await farm.user.taskResult<[number, number]>(id);
    expect(repoId).toBeGreaterThan(farm.seed.repoId);
    expect(eventId).toEqual(expect.any(Number));
    expect(farm.children(id).map((c) => [c.method, c.label, c.state])).toEqual([
      ['createrepo', 'x86_64', TASK_STATES.CLOSED],
    ]);
    expect(await farm.user.repoIsReady(repoId)).toBe(true);
    const repodata = join(farm.sim.dir, 'repos', farm.seed.buildTag, String(repoId), 'x86_64', 'repodata');
    expect(readdirSync(repodata)).toEqual(expect.arrayContaining(['repomd.xml']));
    expect(locations(repodata)).toEqual([
      'toplink/packages/kf-build-macros/1.0/1/noarch/kf-build-macros-1.0-1.noarch.rpm',
      'toplink/packages/kf-buildsys/1.0/1/noarch/kf-buildsys-1.0-1.noarch.rpm',
    ]);
    expect(readdirSync(repodata).some((f) => f.endsWith('comps.xml') || f.includes('-comps'))).toBe(true);

    const src = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), { name: 'kf-hello', release: '6', build: 'echo built' }),
    );
    const build = await farm.user.build(src, farm.seed.target, { scratch: true });
    expect(await farm.settled(build)).toBe(TASK_STATES.CLOSED);
    const [buildArch] = farm.children(build);
    const request = (await farm.user.taskInfo(buildArch.id))!.request!;
    expect(request[4]).toMatchObject({ repo_id: repoId });
  });

  it('merges the external repos of the tag, and updates from the previous repo', async () => {
    // An external repo: another tag's repo with a package of its own, served by the hub's topurl.
    const ext = await makeRpms(join(farm.dir, 'external'), {
      name: 'kf-extra',
      buildArch: 'noarch',
      build: 'true',
    });
    farm.sim.admin.addTag({ name: 'kf-external', arches: 'x86_64' });
    farm.sim.admin.importBuild({ paths: [ext.srpm, ext.rpm], tag: 'kf-external' });
    const { repoId: extRepo } = await farm.sim.admin.createRepo({ tag: 'kf-external' });
    const url = `${farm.sim.topurl}/repos/kf-external/${extRepo}/$arch/`;
    await farm.user.client.call('createExternalRepo', ['kf-external-repo', url]);
    await farm.user.client.call('addExternalRepoToTag', [farm.seed.buildTag, 'kf-external-repo', 10]);
    const repodata = (repo: number) =>
      join(farm.sim.dir, 'repos', farm.seed.buildTag, String(repo), 'x86_64', 'repodata');

    const first = await farm.user.newRepo(farm.seed.buildTag);
    expect(await farm.settled(first)).toBe(TASK_STATES.CLOSED);
    const [firstRepo] = await farm.user.taskResult<[number, number]>(first);
    expect(locations(repodata(firstRepo))).toEqual([
      `${url.replace('$arch', 'x86_64')}toplink/packages/kf-extra/1.0/1/noarch/kf-extra-1.0-1.noarch.rpm`,
      'toplink/packages/kf-build-macros/1.0/1/noarch/kf-build-macros-1.0-1.noarch.rpm',
      'toplink/packages/kf-buildsys/1.0/1/noarch/kf-buildsys-1.0-1.noarch.rpm',
    ]);
    expect(readdirSync(repodata(firstRepo)).some((f) => f.endsWith('-pkgorigins.gz'))).toBe(true);
    const [createrepo] = farm.children(first);
    const taskDir = join(farm.sim.dir, 'work', 'tasks', String(createrepo.id % 10000), String(createrepo.id));
    expect(readFileSync(join(taskDir, 'mergerepos.log'), 'utf8')).toContain('mergerepo_c');
    expect(readFileSync(join(taskDir, 'createrepo.log'), 'utf8')).toContain('createrepo_c');

    const second = await farm.user.newRepo(farm.seed.buildTag);
    expect(await farm.settled(second)).toBe(TASK_STATES.CLOSED);
    const [again] = farm.children(second);
    expect((await farm.user.taskInfo(again.id))!.request![2]).toMatchObject({ id: firstRepo });
    const [secondRepo] = await farm.user.taskResult<[number, number]>(second);
    expect(farm.sim.services.db.repos.get(secondRepo)!.state).toBe(REPO_STATES.READY);
    expect(locations(repodata(secondRepo))).toEqual(locations(repodata(firstRepo)));
    const log = readFileSync(
      join(farm.sim.dir, 'work', 'tasks', String(again.id % 10000), String(again.id), 'createrepo.log'),
      'utf8',
    );
    expect(log).toContain('--update');
  });

  it('reads the repo from the KojiDir when it is mounted', async () => {
    await farm.executors.get('exec-a')!.stop();
    await farm.startExecutor('exec-mount', { KOJI_DIR_MOUNT: farm.sim.dir });
    const id = await farm.user.newRepo(farm.seed.buildTag);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const [repoId] = await farm.user.taskResult<[number, number]>(id);
    const [createrepo] = farm.children(id);
    expect(farm.events.ofTask(createrepo.id).find((e) => e.type === 'task.received')?.executorId).toBe(
      'exec-mount',
    );
    const repodata = join(farm.sim.dir, 'repos', farm.seed.buildTag, String(repoId), 'x86_64', 'repodata');
    expect(locations(repodata)).toEqual([
      'toplink/packages/kf-build-macros/1.0/1/noarch/kf-build-macros-1.0-1.noarch.rpm',
      'toplink/packages/kf-buildsys/1.0/1/noarch/kf-buildsys-1.0-1.noarch.rpm',
    ]);
  });

  it("waits for a repo when the build tag has none: a waitrepo child, then the hub's newRepo", async () => {
    farm.sim.services.repos.setState(farm.seed.repoId, REPO_STATES.EXPIRED);
    const src = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), { name: 'kf-hello', release: '7', build: 'echo built' }),
    );
    const build = await farm.user.build(src, farm.seed.target, { scratch: true });
    expect(await farm.settled(build)).toBe(TASK_STATES.CLOSED);
    expect(farm.children(build).map((c) => [c.method, c.label, c.state])).toEqual([
      ['waitrepo', 'waitrepo', TASK_STATES.CLOSED],
      ['buildArch', 'x86_64', TASK_STATES.CLOSED],
    ]);
    const [waitrepo, buildArch] = farm.children(build);
    const repo = await farm.user.taskResult<{ id: number; state: number }>(waitrepo.id);
    expect(repo.id).toBeGreaterThan(farm.seed.repoId);
    expect((await farm.user.taskInfo(buildArch.id))!.request![4]).toMatchObject({ repo_id: repo.id });
    const newRepos = farm.sim.services.db.tasks.filter((t) => t.method === 'newRepo');
    expect(newRepos.map((t) => t.state)).toEqual([TASK_STATES.CLOSED]);
  });
});
