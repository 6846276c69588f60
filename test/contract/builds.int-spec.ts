import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeResponse, FastUploader, TagError, type KojiClient } from '@koji-farm/koji';
import { CONTRACT_HUB } from './support/contract-config';
import { HubUnderTest } from './support/hub-under-test';

type Row = Record<string, unknown>;
const describeSim = CONTRACT_HUB.kind === 'sim' ? describe : describe.skip;

describeSim('builds on the (seeded) simulator', () => {
  let hut: HubUnderTest;
  let host: KojiClient;
  let local: string;
  beforeAll(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB, {}, { seed: true });
    host = await hut.hostClient();
    local = mkdtempSync(join(tmpdir(), 'kf-build-'));
  });
  afterAll(async () => {
    await hut.stop();
    rmSync(local, { recursive: true, force: true });
  });

  it('has a seeded tag with inherited config, a target and a READY repo with the build group', async () => {
    expect(await host.call<Row>('getBuildTarget', ['f40-candidate'])).toMatchObject({
      build_tag_name: 'f40-build',
      dest_tag_name: 'f40',
    });
    expect(await host.call<Row>('getBuildConfig', ['f40-build'])).toMatchObject({
      arches: 'x86_64',
      extra: { 'rpm.macro.dist': '.kf1' },
    });
    const repo = await host.call<Row>('getRepo', ['f40-build']);
    expect(repo).toMatchObject({ state: 1, tag_name: 'f40-build' });
    const comps = await (
      await fetch(`${hut.topUrl}/repos/f40-build/${String(repo.id)}/groups/comps.xml`)
    ).text();
    expect(comps).toContain('<id>build</id>');
    expect(comps).toContain('kf-build-macros');
    const srpm = await fetch(`${hut.topUrl}/work/sim-fixtures/kf-hello-1.0-1.src.rpm`);
    expect(srpm.status).toBe(200);
  });

  it('runs a build: build() → initBuild → upload → completeBuild → tagBuild', async () => {
    const admin = await hut.adminClient();
    const buildTask = await admin.call<number>('build', [
      'sim-fixtures/kf-hello-1.0-1.src.rpm',
      'f40-candidate',
      { scratch: false },
    ]);
    await hut.checkIn(host, buildTask);
    await host.call('host.openTask', [buildTask]);
    await host.call('host.assertPolicy', [
      'build_from_srpm',
      { user_id: (await admin.call<{ id: number }>('getLoggedInUser')).id },
    ]);
    const buildId = await host.call<number>('host.initBuild', [
      { task_id: buildTask, name: 'kf-hello', version: '1.0', release: '1', epoch: null },
    ]);
    expect(await host.call<Row>('getBuild', [buildId])).toMatchObject({
      state: 0,
      nvr: 'kf-hello-1.0-1',
      task_id: buildTask,
    });
    const dir = `tasks/${buildTask % 10000}/${buildTask}`;
    const srpmPath = join(hut.sim!.dir, 'work/sim-fixtures/kf-hello-1.0-1.src.rpm');
    writeFileSync(join(local, 'build.log'), 'built\n');
    const up = new FastUploader(host);
    await up.upload(srpmPath, { path: dir, name: 'kf-hello-1.0-1.src.rpm' });
    await up.upload(join(local, 'build.log'), { path: dir, name: 'build.log' });
    const done = await host.call<Row>('host.completeBuild', [
      buildTask,
      buildId,
      `${dir}/kf-hello-1.0-1.src.rpm`,
      [],
      {},
      { src: [`${dir}/build.log`] },
    ]);
    expect(done).toMatchObject({ id: buildId, state: 1 });
    const rpms = await host.call<Row[]>('listRPMs', [buildId]);
    expect(rpms).toEqual([expect.objectContaining({ name: 'kf-hello', arch: 'src', build_id: buildId })]);
    const moved = join(hut.sim!.dir, 'packages/kf-hello/1.0/1/src/kf-hello-1.0-1.src.rpm');
    expect(existsSync(moved)).toBe(true);
    expect(readFileSync(join(hut.sim!.dir, 'packages/kf-hello/1.0/1/data/logs/src/build.log'), 'utf8')).toBe(
      'built\n',
    );
    await host.call('host.tagBuild', [buildTask, 'f40', buildId]);
    expect((await host.call<Row[]>('listTagged', ['f40'])).map((b) => b.nvr)).toEqual(['kf-hello-1.0-1']);
    const twice = await host.call('host.tagBuild', [buildTask, 'f40', buildId]).catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(TagError);
    await host.call('host.closeTask', [buildTask, encodeResponse(null)]);
  });
});
