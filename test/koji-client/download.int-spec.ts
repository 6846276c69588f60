import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadError, Downloader, KojiClient, LocalFileError } from '@koji-farm/koji';
import { ScriptedHttpServer, type Responder } from './support/scripted-http-server';

const payload = Buffer.alloc(3 * 1024 * 1024, 'abcdefgh');

const whole: Responder = (_req, res) => {
  res.writeHead(200, { 'content-length': payload.length }).end(payload);
};
const cutAfter =
  (bytes: number): Responder =>
  (_req, res) => {
    res.writeHead(200, { 'content-length': payload.length });
    res.write(payload.subarray(0, bytes), () => res.socket?.destroy());
  };

describe(Downloader.name, () => {
  let server: ScriptedHttpServer;
  let client: KojiClient;
  let dir: string;
  let sut: Downloader;

  beforeEach(async () => {
    server = await ScriptedHttpServer.start();
    client = KojiClient.create({ hubUrl: `${server.url}/kojihub`, topUrl: `${server.url}/kojifiles` });
    sut = new Downloader(client);
    dir = mkdtempSync(join(tmpdir(), 'koji-download-'));
  });

  afterEach(async () => {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams <topurl>/work/<path> to disk', async () => {
    server.script(whole);
    const dest = join(dir, 'pkg.src.rpm');
    await expect(
      sut.downloadWork('tasks/1/1/pkg.src.rpm', dest, { expectedSize: payload.length }),
    ).resolves.toEqual({
      url: `${server.url}/kojifiles/work/tasks/1/1/pkg.src.rpm`,
      destination: dest,
      bytes: payload.length,
    });
    expect(readFileSync(dest).equals(payload)).toBe(true);
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/kojifiles/work/tasks/1/1/pkg.src.rpm' });
  });

  it('reports a transfer cut off mid-way as "got N of M bytes" and leaves no file behind', async () => {
    server.script(cutAfter(1024 * 1024));
    const dest = join(dir, 'pkg.src.rpm');
    const err = await sut.downloadWork('tasks/1/1/pkg.src.rpm', dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).message).toMatch(
      new RegExp(
        `^GET ${server.url}/kojifiles/work/tasks/1/1/pkg.src.rpm was cut off: got \\d+ of ${payload.length} bytes`,
      ),
    );
    expect((err as DownloadError).retryable).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a 404 with the URL (without its query), not retryable', async () => {
    server.script((_req, res) => res.writeHead(404).end('Not Found'));
    const url = `${server.url}/kojifiles/repos/f40/1/x86_64/repodata/repomd.xml`;
    const err = (await sut
      .download(`${url}?token=s3cr3t`, join(dir, 'x'))
      .catch((e: unknown) => e)) as DownloadError;
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toBe(`GET ${url}: not found (HTTP 404)`);
    expect(err).toMatchObject({ url, status: 404, retryable: false });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file of another size than expected before writing anything', async () => {
    server.script(whole);
    const err = await sut.downloadWork('a', join(dir, 'a'), { expectedSize: 10 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `GET ${server.url}/kojifiles/work/a: the server offers ${payload.length} bytes, expected 10`,
    );
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('makes the destination directory when it does not exist yet', async () => {
    server.script(whole);
    const dest = join(dir, 'srpm', 'deeper', 'pkg.src.rpm');
    await expect(sut.downloadWork('a', dest)).resolves.toMatchObject({ bytes: payload.length });
    expect(readFileSync(dest).equals(payload)).toBe(true);
    expect(readdirSync(join(dir, 'srpm', 'deeper'))).toEqual(['pkg.src.rpm']);
  });

  it('reports a disk that fills up mid-way as a local write error, not as a cut-off transfer', async () => {
    server.script(whole);
    const dest = join(dir, 'pkg.src.rpm');
    // The partial file lands on a device that is always full.
    symlinkSync('/dev/full', `${dest}.part`);
    const err = (await sut.downloadWork('a', dest).catch((e: unknown) => e)) as LocalFileError;
    expect(err).toBeInstanceOf(LocalFileError);
    expect(err).not.toBeInstanceOf(DownloadError);
    expect(err.message).toMatch(
      new RegExp(
        `^download of ${server.url}/kojifiles/work/a: cannot write ${dest}\\.part after \\d+ bytes: ENOSPC`,
      ),
    );
    expect(err.message).not.toContain('cut off');
    expect(err).toMatchObject({ code: 'ENOSPC', retryable: true, path: `${dest}.part` });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a destination that cannot be made as a local error that will not pass by retrying', async () => {
    server.script(whole);
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const dest = join(dir, 'a-file', 'pkg.src.rpm');
    const err = (await sut.downloadWork('a', dest).catch((e: unknown) => e)) as LocalFileError;
    expect(err).toBeInstanceOf(LocalFileError);
    // A file where a directory should be: mkdir -p says EEXIST (a deeper path would say ENOTDIR).
    expect(err.message).toContain(`cannot make the directory for ${dest}: EEXIST`);
    expect(err).toMatchObject({ code: 'EEXIST', retryable: false, path: dest });
    expect(readdirSync(dir)).toEqual(['a-file']);
  });
});
