import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeResponse, FastUploader, GenericError, type KojiClient } from '@koji-farm/koji';
import { CONTRACT_HUB } from './support/contract-config';
import { openTaskOn } from './support/host-task';
import { HubUnderTest } from './support/hub-under-test';

type Row = Record<string, unknown>;

describe('repos and buildroots on the hub', () => {
  let hut: HubUnderTest;
  let host: KojiClient;
  let local: string;
  /** This test's own tag: a real hub keeps the repos earlier runs made of any other. */
  let tag: string;
  beforeEach(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
    host = await hut.hostClient();
    tag = await hut.world.makeTag();
    local = mkdtempSync(join(tmpdir(), 'kf-repo-'));
  });
  afterEach(async () => {
    await hut.stop();
    rmSync(local, { recursive: true, force: true });
  });

  /** newRepo → repoInit → (createrepo's upload) → repoDone: returns the READY repo's id. */
  async function makeRepo(existingTask?: number): Promise<{ repoId: number; taskId: number }> {
    const admin = await hut.adminClient();
    const taskId = existingTask ?? (await admin.call<number>('newRepo', [tag]));
    if (existingTask === undefined) {
      expect(await admin.call<Row>('getTaskInfo', [taskId, true])).toMatchObject({
        method: 'newRepo',
        priority: 15,
        request: [tag],
      });
    }
    await hut.checkIn(host, taskId);
    await host.call('host.openTask', [taskId]);
    const [repoId, eventId] = await host.call<[number, number]>('host.repoInit', [tag], {
      task_id: taskId,
    });
    expect(typeof eventId).toBe('number');
    expect(await host.call<Row>('repoInfo', [repoId])).toMatchObject({
      id: repoId,
      state: 0,
      tag_name: tag,
      task_id: taskId,
    });
    const pkglist = await fetch(`${hut.topUrl}/repos/${tag}/${repoId}/x86_64/pkglist`);
    expect(pkglist.status).toBe(200);
    const comps = await fetch(`${hut.topUrl}/repos/${tag}/${repoId}/groups/comps.xml`);
    expect(await comps.text()).toContain('<comps>');
    // what the createrepo subtask does: repodata made from the pkglist, uploaded to its task dir
    execFileSync('createrepo_c', ['--quiet', '--outputdir', local, local]);
    const files = readdirSync(join(local, 'repodata'));
    const uploadDir = `tasks/${taskId % 10000}/${taskId}/repo`;
    const uploader = new FastUploader(host);
    for (const f of files) await uploader.upload(join(local, 'repodata', f), { path: uploadDir, name: f });
    await host.call('host.repoDone', [repoId, { x86_64: [uploadDir, files] }]);
    await host.call('host.closeTask', [taskId, encodeResponse([repoId, eventId])]);
    return { repoId, taskId };
  }

  it('makes a repo with newRepo, repoInit and repoDone; it is READY and served at the repo URL', async () => {
    const { repoId, taskId } = await makeRepo();
    expect(await host.call<Row>('repoInfo', [repoId])).toMatchObject({ state: 1, task_id: taskId });
    expect(await host.call<Row>('getRepo', [tag])).toMatchObject({
      id: repoId,
      state: 1,
      tag_name: tag,
    });
    const repomd = await fetch(`${hut.topUrl}/repos/${tag}/${repoId}/x86_64/repodata/repomd.xml`);
    expect(repomd.status).toBe(200);
    expect(await repomd.text()).toContain('<repomd');
    const again = await host.call(`host.repoDone`, [repoId, {}]).catch((e: unknown) => e);
    expect((again as GenericError).faultString).toBe(`Repo ${repoId} not in INIT state (got 1)`);
  });

  it('lays a repo out by canonical arch, as repo_init does: a tag of x86_64 and i686 gets x86_64/ and i386/', async () => {
    const multi = await hut.world.makeTag({ arches: 'x86_64 i686' });
    const admin = await hut.adminClient();
    const taskId = await admin.call<number>('newRepo', [multi]);
    await hut.checkIn(host, taskId);
    await host.call('host.openTask', [taskId]);
    const [repoId] = await host.call<[number, number]>('host.repoInit', [multi], { task_id: taskId });
    const status = async (arch: string) =>
      (await fetch(`${hut.topUrl}/repos/${multi}/${repoId}/${arch}/pkglist`)).status;
    expect(await status('x86_64')).toBe(200);
    expect(await status('i386')).toBe(200);
    expect(await status('i686')).toBe(404);
  });

  it('answers repo.request with a newRepo task, then with the repo it made (kojid RepoWatcher)', async () => {
    const first = await host.call<Row>('repo.request', [tag]);
    expect(first).toMatchObject({ repo: null, duplicate: false, request: { active: true } });
    const taskId = (first.request as Row).task_id as number;
    expect((await host.call<Row>('getTaskInfo', [taskId, true])).request).toEqual([
      { id: expect.any(Number), name: tag },
      { opts: {}, __starstar: true },
    ]);
    expect(await host.call<Row>('repo.request', [tag])).toMatchObject({ duplicate: true });
    const { repoId } = await makeRepo(taskId);
    const requestId = (first.request as { id: number }).id;
    expect(await host.call<Row>('repo.checkRequest', [requestId])).toMatchObject({
      repo: { id: repoId, state: 1 },
      request: { active: false, repo_id: repoId },
    });
    expect(await host.call<Row>('repo.request', [tag])).toMatchObject({
      repo: { id: repoId },
      request: null,
    });
    expect(await host.call<Row>('repo.get', [tag])).toMatchObject({ id: repoId });
    const last = await host.call<number>('tagLastChangeEvent', [tag]);
    expect(await host.call<Row>('getEvent', [last])).toMatchObject({ id: last });
  });

  it('keeps buildroot states: INIT → BUILDING → EXPIRED, EXPIRED is final', async () => {
    const { repoId } = await makeRepo();
    const { id: taskId } = await openTaskOn(hut, host, {
      method: 'buildArch',
      args: ['x.src.rpm', tag, 'x86_64', false, {}],
      arch: 'x86_64',
    });
    const hostId = await host.call<number>('host.getID');
    const brootId = await host.call<number>('host.newBuildRoot', [repoId, 'x86_64'], { task_id: taskId });
    // this test's task only: on a real hub the host may hold live buildroots of earlier runs
    const live = { hostID: hostId, taskID: taskId, state: [0, 1, 2] };
    expect(await host.call<Row[]>('listBuildroots', [], live)).toEqual([
      expect.objectContaining({
        id: brootId,
        state: 0,
        task_id: taskId,
        repo_id: repoId,
        host_id: hostId,
        arch: 'x86_64',
        tag_name: tag,
      }),
    ]);
    await host.call('host.setBuildRootList', [brootId, []], { task_id: taskId });
    await host.call('host.setBuildRootState', [brootId, 'BUILDING'], { task_id: taskId });
    await host.call('host.updateBuildRootList', [brootId, []], { task_id: taskId });
    const late = await host.call('host.setBuildRootList', [brootId, []]).catch((e: unknown) => e);
    expect((late as GenericError).faultString).toBe(`buildroot ${brootId} in wrong state 2`);
    await host.call('host.setBuildRootState', [brootId, 3]);
    await host.call('host.setBuildRootState', [brootId, 3]); // expiring again is quietly accepted
    const back = await host.call('host.setBuildRootState', [brootId, 'BUILDING']).catch((e: unknown) => e);
    expect((back as GenericError).faultString).toBe(`buildroot ${brootId} is EXPIRED`);
    const init = await host.call('host.setBuildRootState', [brootId, 0]).catch((e: unknown) => e);
    expect((init as GenericError).faultString).toBe('Cannot change buildroot state to INIT');
    const br = await host.call<Row>('getBuildroot', [brootId]);
    expect(br).toMatchObject({ state: 3 });
    expect(typeof br.retire_ts).toBe('number');
    expect(await host.call<Row[]>('listBuildroots', [], live)).toEqual([]);
  });
});
