import { randomUUID } from 'node:crypto';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  appendFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthExpired,
  DownloadError,
  Downloader,
  FastUploader,
  GenericError,
  IncrementalLogUploader,
  KojiClient,
  MultiCallBuilder,
  adler32,
  adler32Hex,
} from '@koji-farm/koji';
import { HubSimulator } from '../koji-hub-sim/hub-simulator';
import { capturedPino } from './support/captured-pino';

const HOST = 'builder-01';
const HOST_PASSWORD = 'host-pass-1234';
const USER = 'uploader';
const USER_PASSWORD = 'user-pass-5678';

describe('KojiClient against the hub simulator', () => {
  let dir: string;
  let sim: HubSimulator;
  const clients: KojiClient[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'koji-client-sim-'));
    sim = await HubSimulator.start({ dir: join(dir, 'kojidir') });
    sim.admin.addHost({ name: HOST, password: HOST_PASSWORD, arches: ['x86_64'] });
    sim.admin.addUser({ name: USER, password: USER_PASSWORD });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function client(
    extra: { uploadChunkBytes?: number; logger?: ReturnType<typeof capturedPino>['logger'] } = {},
  ): KojiClient {
    const c = KojiClient.create({
      hubUrl: sim.url,
      topUrl: sim.topurl,
      retry: { maxRetries: 3, intervalMs: 10 },
      ...extra,
    });
    clients.push(c);
    return c;
  }

  async function hostClient(): Promise<KojiClient> {
    const c = client();
    await c.login(HOST, HOST_PASSWORD);
    await c.exclusiveSession();
    return c;
  }

  describe('AuthExpired', () => {
    it('logs in again with renew, keeps the session id, exclusivity and callnum order, and retries once', async () => {
      const sut = await hostClient();
      const hostId = await sut.call<number>('host.getID');
      await sut.call('host.updateHost', [0, true]); // commits: the hub now stores a callnum
      const before = sut.exportSession();
      sim.admin.expireSession({ sessionId: before.id });

      await expect(sut.call('host.getID')).resolves.toBe(hostId);

      const after = sut.exportSession();
      expect(after.id).toBe(before.id);
      expect(after.key).not.toBe(before.key);
      expect(sut.isExclusive).toBe(true);
      // host calls need the exclusive session, and a commit after renewal proves the callnum still climbs
      await expect(sut.call('host.updateHost', [0, true])).resolves.toBeNull();
      expect(sim.admin.sessionsOf({ user: HOST })).toEqual([
        expect.objectContaining({ id: before.id, exclusive: true, expired: false, closed: false }),
      ]);
    });

    it('renews a subsession with the master’s login after both expired', async () => {
      const master = await hostClient();
      const child = await master.subsession();
      sim.admin.expireSession({ sessionId: master.sessionId! });
      await expect(child.call('host.getID')).resolves.toEqual(expect.any(Number));
      await expect(master.call('host.getID')).resolves.toEqual(expect.any(Number));
    });

    it('is raised to a client built from a task session, which cannot log in', async () => {
      const master = await hostClient();
      const task = master.withSession(await master.mintSubsession());
      await expect(task.call('host.getID')).resolves.toEqual(expect.any(Number));
      sim.admin.expireSession({ sessionId: master.sessionId! });
      await expect(task.call('host.getID')).rejects.toBeInstanceOf(AuthExpired);
    });
  });

  describe('a subsession shared by two processes', () => {
    it('moves past callnums the other process used (SequenceError, RetryError) without running anything twice (Koji 1.36: callnums checked)', async () => {
      sim.admin.setHubOptions({ kojiVersion: '1.36.0' });
      const master = await hostClient();
      const credentials = await master.mintSubsession();
      const first = KojiClient.fromSession(credentials, sim.url);
      const second = KojiClient.fromSession(credentials, sim.url);
      clients.push(first, second);
      // each subsession() commits, so the hub stores the callnum: 0, 1, 2
      for (let i = 0; i < 3; i++) await first.mintSubsession();
      // the second process starts at 0 as well
      const fromSecond = await second.mintSubsession();
      expect(second.nextCallnum).toBe(4);
      expect(fromSecond.id).toEqual(expect.any(Number));
      await first.mintSubsession(); // and the first one catches up in turn
      const children = sim.admin.sessionsOf({ user: HOST }).filter((s) => s.master === master.sessionId);
      expect(children).toHaveLength(1 + 5); // the shared one and exactly five minted: nothing ran twice
    });

    it('meets no callnum check on a Koji 1.35 hub (it reads Koji-Callnum, clients send Koji-Session-Callnum)', async () => {
      sim.admin.setHubOptions({ kojiVersion: '1.35.3' });
      const master = await hostClient();
      const credentials = await master.mintSubsession();
      const first = KojiClient.fromSession(credentials, sim.url);
      const second = KojiClient.fromSession(credentials, sim.url);
      clients.push(first, second);
      for (let i = 0; i < 3; i++) await first.mintSubsession();
      await second.mintSubsession(); // callnum 0 again: accepted
      expect(second.nextCallnum).toBe(1);
      const children = sim.admin.sessionsOf({ user: HOST }).filter((s) => s.master === master.sessionId);
      expect(children).toHaveLength(1 + 4);
      expect(children.every((s) => s.callnum === null)).toBe(true); // nothing stored either
    });
  });

  describe('fast upload', () => {
    function localFile(bytes: number): string {
      const path = join(dir, `${randomUUID()}.bin`);
      const data = Buffer.alloc(bytes);
      for (let i = 0; i < bytes; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
      writeFileSync(path, data);
      return path;
    }

    it('uploads in chunks, resends a chunk whose connection dropped, and checks the file with checkUpload', async () => {
      const sut = client({ uploadChunkBytes: 64 * 1024 });
      await sut.login(USER, USER_PASSWORD);
      const file = localFile(200 * 1024 + 17);
      const target = { path: `cli-build/${randomUUID()}`, name: 'payload.bin' };
      sim.faults.resetConnection({ method: 'upload' });
      sim.faults.httpStatus(503, { method: 'upload' });

      const result = await new FastUploader(sut).upload(file, target);

      const local = readFileSync(file);
      expect(result).toEqual({ ...target, size: local.length, hexdigest: adler32Hex(adler32(local)) });
      expect(readFileSync(join(sim.dir, 'work', target.path, target.name)).equals(local)).toBe(true);
      // four chunks + checkUpload; the first chunk went out three times with one callnum
      expect(sut.nextCallnum).toBe(5);
    });

    it('uploads an empty file as one zero-length chunk', async () => {
      const sut = client();
      await sut.login(USER, USER_PASSWORD);
      const target = { path: `cli-build/${randomUUID()}`, name: 'empty.log' };
      await expect(new FastUploader(sut).upload(localFile(0), target)).resolves.toMatchObject({
        size: 0,
        hexdigest: '00000001',
      });
      expect(readFileSync(join(sim.dir, 'work', target.path, target.name))).toHaveLength(0);
    });

    it('refuses to replace an existing file unless told to overwrite', async () => {
      const sut = client();
      await sut.login(USER, USER_PASSWORD);
      const target = { path: `cli-build/${randomUUID()}`, name: 'twice.bin' };
      const uploader = new FastUploader(sut);
      await uploader.upload(localFile(10), target);
      const again = await uploader.upload(localFile(20), target).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(GenericError);
      expect((again as GenericError).faultString).toMatch(/^upload path exists: /);
      await expect(uploader.upload(localFile(20), target, { overwrite: true })).resolves.toMatchObject({
        size: 20,
      });
    });
  });

  describe(IncrementalLogUploader.name, () => {
    it('follows a growing log, starts over when it shrinks, and keeps the hub copy equal', async () => {
      const sut = client({ uploadChunkBytes: 16 });
      await sut.login(USER, USER_PASSWORD);
      const log = join(dir, 'build.log');
      const target = { path: `cli-build/${randomUUID()}`, name: 'build.log' };
      const onHub = (): string => readFileSync(join(sim.dir, 'work', target.path, target.name), 'utf8');
      const uploader = new IncrementalLogUploader(sut, log, target);

      await expect(uploader.flush()).resolves.toBe(0); // no log yet
      writeFileSync(log, 'Executing(%prep): /bin/sh -e\n');
      await uploader.flush();
      expect(onHub()).toBe('Executing(%prep): /bin/sh -e\n');
      appendFileSync(log, '+ cd /builddir/build/BUILD\n');
      await uploader.flush();
      expect(onHub()).toBe('Executing(%prep): /bin/sh -e\n+ cd /builddir/build/BUILD\n');
      truncateSync(log, 0);
      appendFileSync(log, 'attempt 2\n');
      await uploader.flush();
      expect(onHub()).toBe('attempt 2\n');
      appendFileSync(log, 'done\n');
      await uploader.close();
      expect(onHub()).toBe('attempt 2\ndone\n');
    });
  });

  describe(Downloader.name, () => {
    it('streams a file from topurl, and reports a 404 with its URL and a short file as truncated', async () => {
      const sut = client();
      await sut.login(USER, USER_PASSWORD);
      const path = `cli-build/${randomUUID()}`;
      const source = join(dir, 'source.txt');
      writeFileSync(source, 'Name: hello\nVersion: 1\n');
      await new FastUploader(sut).upload(source, { path, name: 'hello.spec' });
      const downloader = new Downloader(sut);

      const dest = join(dir, 'hello.spec');
      await expect(downloader.downloadWork(`${path}/hello.spec`, dest)).resolves.toMatchObject({ bytes: 23 });
      expect(readFileSync(dest, 'utf8')).toBe('Name: hello\nVersion: 1\n');

      const missing = await downloader
        .downloadWork(`${path}/nope.rpm`, join(dir, 'nope.rpm'))
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(DownloadError);
      expect((missing as DownloadError).message).toBe(
        `GET ${sim.topurl}/work/${path}/nope.rpm: not found (HTTP 404)`,
      );
      expect((missing as DownloadError).retryable).toBe(false);

      const short = await downloader
        .downloadWork(`${path}/hello.spec`, join(dir, 'short.spec'), { expectedSize: 100 })
        .catch((e: unknown) => e);
      expect(short).toBeInstanceOf(DownloadError);
      expect((short as Error).message).toMatch(/the server offers 23 bytes, expected 100/);
      expect(existsSync(join(dir, 'short.spec'))).toBe(false);
      expect(existsSync(join(dir, 'short.spec.part'))).toBe(false);
    });
  });

  it('runs a multicall with per-call results and typed faults', async () => {
    const sut = await hostClient();
    const builder = new MultiCallBuilder(sut);
    const id = builder.add<number>('host.getID');
    const echo = builder.add<string[]>('echo', ['OK']);
    const bad = builder.add('noSuchMethod');
    const results = await builder.run();
    expect(sut.hubVersion).toBe(sim.hubOptions.kojiVersion);
    expect(results.get(id)).toEqual(expect.any(Number));
    expect(results.get(echo)).toEqual(['OK']);
    expect(results.outcome(bad)).toMatchObject({
      ok: false,
      error: { faultCode: 1000, faultString: 'Invalid method: noSuchMethod' },
    });
  });

  it('logs method names and callnums, never the password or the session key', async () => {
    const { logger, lines } = capturedPino();
    const sut = client({ logger });
    await sut.login(HOST, HOST_PASSWORD);
    await sut.exclusiveSession();
    await sut.call('host.getID');
    sim.admin.expireSession({ sessionId: sut.sessionId! });
    await sut.call('host.getID');
    const key = sut.exportSession().key;
    await sut.logout();
    const text = lines.join('\n');
    expect(text).toContain('"method":"host.getID"');
    expect(text).toContain('logging in again (renew)');
    expect(text).not.toContain(HOST_PASSWORD);
    expect(text).not.toContain(key);
  });
});
