import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { REPO_STATES, TASK_STATES } from '../koji-hub-sim';
import { uniqueName } from '../contract/support/hub-world';
import { ExternalRepoServer } from './support/external-repo-server';
import { REAL_HUB, uniqueRelease } from './support/farm-hub';
import { OrchestrationFarm } from './support/orchestration-farm';
import { makeRpms, makeSrpm } from './support/test-srpms';

jest.setTimeout(REAL_HUB ? 3_600_000 : 300_000);

/** Tests that need the simulator's KojiDir on this machine. */
const simOnly = REAL_HUB ? it.skip : it;

async function fetched(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The repo's files (repomd.xml's hrefs) and the packages its primary metadata lists, read through topurl. */
async function repoContent(farm: OrchestrationFarm, tag: string, repoId: number) {
  const base = `${farm.hub.topurl}/repos/${tag}/${repoId}/x86_64`;
  const repomd = (await fetched(`${base}/repodata/repomd.xml`)).toString('utf8');
  const files = [...repomd.matchAll(/<location href="repodata\/([^"]+)"/g)].map((m) => m[1]);
  const primary = files.find((f) => f.endsWith('primary.xml.gz'));
  if (!primary) throw new Error(`no primary metadata in repo ${repoId}`);
  const xml = gunzipSync(await fetched(`${base}/repodata/${primary}`)).toString('utf8');
  // a merged package from an external repo carries its repo as xml:base
  const locations = [...xml.matchAll(/<location (?:xml:base="([^"]+)" )?href="([^"]+)"/g)]
    .map((m) => (m[1] ? `${m[1].replace(/\/$/, '')}/${m[2]}` : m[2]))
    .sort();
  return { files, locations };
}

/** What the seeded build tag holds: the build groups' packages and kf-devdep. */
const TAG_PACKAGES = [
  'toplink/packages/kf-build-macros/1.0/1/noarch/kf-build-macros-1.0-1.noarch.rpm',
  'toplink/packages/kf-buildsys/1.0/1/noarch/kf-buildsys-1.0-1.noarch.rpm',
  'toplink/packages/kf-devdep/1.0/1/noarch/kf-devdep-1.0-1.noarch.rpm',
];

/** newRepo and its createrepo children, and builds that use or wait for a repo. */
describe('newRepo', () => {
  let farm: OrchestrationFarm;
  const stopAfter: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    farm = await OrchestrationFarm.start('newrepo', { buildTagExtra: { rebuild_srpm: false } });
    await farm.startExecutor('exec-a');
  });

  afterEach(async () => {
    for (const stop of stopAfter.splice(0)) await stop();
    await farm.stop();
  });

  it('makes a READY repo of the build tag with createrepo, and the next build uses it', async () => {
    const id = await farm.user.newRepo(farm.seed.buildTag);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const [repoId, eventId] = await farm.user.taskResult<[number, number]>(id);
    expect(eventId).toEqual(expect.any(Number));
    const children = await farm.children(id);
    expect(children.map((c) => [c.method, c.state])).toEqual(
      children.map(() => ['createrepo', TASK_STATES.CLOSED]),
    );
    expect(children.map((c) => c.label)).toContain('x86_64');
    expect(await farm.user.repoIsReady(repoId)).toBe(true);
    const repo = await repoContent(farm, farm.seed.buildTag, repoId);
    expect(repo.files.some((f) => f.endsWith('comps.xml'))).toBe(true);
    if (REAL_HUB) expect(repo.locations.length).toBeGreaterThan(0);
    else expect(repo.locations).toEqual(TAG_PACKAGES);

    const src = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), {
        name: 'kf-hello',
        release: uniqueRelease(6),
        build: 'echo built',
      }),
    );
    const build = await farm.build(src, { scratch: true });
    expect(await farm.settled(build)).toBe(TASK_STATES.CLOSED);
    const buildArch = (await farm.children(build)).find((c) => c.method === 'buildArch')!;
    const request = (await farm.user.taskInfo(buildArch.id))!.request!;
    expect(request[4]).toMatchObject({ repo_id: repoId });
  });

  it("waits for a repo when the build tag has none: a waitrepo child, then the hub's newRepo", async () => {
    // a real hub's new build tag has no repo yet; the simulator's seeded one is expired
    if (farm.sim && farm.seed.repoId !== null)
      farm.sim.services.repos.setState(farm.seed.repoId, REPO_STATES.EXPIRED);
    const src = await farm.user.uploadSrpm(
      await makeSrpm(join(farm.dir, 'srpms'), {
        name: 'kf-hello',
        release: uniqueRelease(7),
        build: 'echo built',
      }),
    );
    const build = await farm.build(src, { scratch: true });
    expect(await farm.settled(build)).toBe(TASK_STATES.CLOSED);
    const children = await farm.children(build);
    expect(children.map((c) => [c.method, c.label, c.state])).toEqual([
      ['waitrepo', 'waitrepo', TASK_STATES.CLOSED],
      ['buildArch', 'x86_64', TASK_STATES.CLOSED],
    ]);
    const [waitrepo, buildArch] = children;
    const repo = await farm.user.taskResult<{ id: number; tag_name: string }>(waitrepo.id);
    expect(repo.tag_name).toBe(farm.seed.buildTag);
    expect((await farm.user.taskInfo(buildArch.id))!.request![4]).toMatchObject({ repo_id: repo.id });
    const newRepos = await farm.tasksOf('newRepo');
    expect(newRepos.map((t) => t.state)).toContain(TASK_STATES.CLOSED);
  });

  it('merges the external repos of the tag, and updates from the previous repo', async () => {
    const ext = await makeRpms(join(farm.dir, 'external-rpms'), {
      name: 'kf-extra',
      buildArch: 'noarch',
      build: 'true',
    });
    const external = await ExternalRepoServer.start(join(farm.dir, 'external-repo'), 'x86_64', [ext.rpm]);
    stopAfter.push(() => external.stop());
    const name = uniqueName('external-repo');
    await farm.user.client.call('createExternalRepo', [name, external.url]);
    await farm.user.client.call('addExternalRepoToTag', [farm.seed.buildTag, name, 10]);

    const first = await farm.user.newRepo(farm.seed.buildTag);
    expect(await farm.settled(first)).toBe(TASK_STATES.CLOSED);
    const [firstRepo] = await farm.user.taskResult<[number, number]>(first);
    const merged = await repoContent(farm, farm.seed.buildTag, firstRepo);
    const extra = `${external.url.replace('$arch', 'x86_64')}kf-extra-1.0-1.noarch.rpm`;
    if (REAL_HUB) expect(merged.locations).toContain(extra);
    else expect(merged.locations).toEqual([extra, ...TAG_PACKAGES]);
    expect(merged.files.some((f) => f.endsWith('-pkgorigins.gz'))).toBe(true);
    const [createrepo] = await farm.children(first);
    const logs = `work/tasks/${createrepo.id % 10000}/${createrepo.id}`;
    expect((await fetched(`${farm.hub.topurl}/${logs}/mergerepos.log`)).toString()).toContain('mergerepo_c');
    expect((await fetched(`${farm.hub.topurl}/${logs}/createrepo.log`)).toString()).toContain('createrepo_c');

    const second = await farm.user.newRepo(farm.seed.buildTag);
    expect(await farm.settled(second)).toBe(TASK_STATES.CLOSED);
    const [again] = await farm.children(second);
    expect((await farm.user.taskInfo(again.id))!.request![2]).toMatchObject({ id: firstRepo });
    const [secondRepo] = await farm.user.taskResult<[number, number]>(second);
    expect(await farm.user.repoIsReady(secondRepo)).toBe(true);
    expect((await repoContent(farm, farm.seed.buildTag, secondRepo)).locations).toEqual(merged.locations);
    const againLogs = `work/tasks/${again.id % 10000}/${again.id}`;
    expect((await fetched(`${farm.hub.topurl}/${againLogs}/createrepo.log`)).toString()).toContain(
      '--update',
    );
  });

  // mounts the simulator's KojiDir as an operator would mount the hub's
  simOnly('reads the repo from the KojiDir when it is mounted', async () => {
    await farm.executors.get('exec-a')!.stop();
    await farm.startExecutor('exec-mount', { KOJI_DIR_MOUNT: farm.sim!.dir });
    const id = await farm.user.newRepo(farm.seed.buildTag);
    expect(await farm.settled(id)).toBe(TASK_STATES.CLOSED);
    const [repoId] = await farm.user.taskResult<[number, number]>(id);
    const [createrepo] = await farm.children(id);
    expect(farm.events.ofTask(createrepo.id).find((e) => e.type === 'task.received')?.executorId).toBe(
      'exec-mount',
    );
    expect((await repoContent(farm, farm.seed.buildTag, repoId)).locations).toEqual(TAG_PACKAGES);
  });
});
