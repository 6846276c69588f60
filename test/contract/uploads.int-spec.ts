import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  adler32,
  adler32Hex,
  decodeResponse,
  FastUploader,
  GenericError,
  rawUpload,
  type KojiClient,
} from '@koji-farm/koji';
import { CONTRACT_HUB } from './support/contract-config';
import { openTaskOn } from './support/host-task';
import { HubUnderTest } from './support/hub-under-test';
import { rawCall } from './support/raw-call';

describe('hub uploads', () => {
  let hut: HubUnderTest;
  let host: KojiClient;
  let local: string;
  beforeEach(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
    host = await hut.hostClient();
    local = mkdtempSync(join(tmpdir(), 'kf-upload-'));
  });
  afterEach(async () => {
    await hut.stop();
    rmSync(local, { recursive: true, force: true });
  });

  it('takes a file in chunks with adler32 digests, reports it with checkUpload and serves it at topurl', async () => {
    const { dir } = await openTaskOn(hut, host, { method: 'sleep', args: [1] });
    const data = Buffer.from('x'.repeat(3000) + 'end\n');
    writeFileSync(join(local, 'build.log'), data);
    const task = await host.subsession();
    const result = await new FastUploader(task).upload(
      join(local, 'build.log'),
      { path: dir, name: 'build.log' },
      { chunkBytes: 1024 },
    );
    expect(result).toMatchObject({ size: data.length, hexdigest: adler32Hex(adler32(data)) });
    const check = await task.call<Record<string, unknown>>('checkUpload', [dir, 'build.log', 'adler32']);
    expect(check).toMatchObject({
      size: data.length,
      hexdigest: adler32Hex(adler32(data)),
      sumlength: data.length,
    });
    expect(typeof check.mtime).toBe('number');
    const served = await fetch(`${hut.topUrl}/work/${dir}/build.log`);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(data);
    expect(await task.call('checkUpload', [dir, 'missing.log', 'adler32'])).toBeNull();
  });

  (CONTRACT_HUB.kind === 'sim' ? it : it.skip)(
    'accepts a chunk resent with overwrite after its reply was lost',
    async () => {
      const { dir } = await openTaskOn(hut, host, { method: 'sleep', args: [1] });
      hut.sim!.faults.resetConnection({ method: 'upload', afterCommit: true });
      const chunk = Buffer.from('hello world\n');
      const reply = await rawUpload(host, chunk, 0, { path: dir, name: 'out.txt' });
      expect(reply).toMatchObject({ size: chunk.length, offset: 0, hexdigest: adler32Hex(adler32(chunk)) });
      expect(await host.call('checkUpload', [dir, 'out.txt', 'adler32'])).toMatchObject({
        size: chunk.length,
      });
    },
  );

  it('refuses offset 0 on an existing file without overwrite', async () => {
    const { dir } = await openTaskOn(hut, host, { method: 'sleep', args: [1] });
    await rawUpload(host, Buffer.from('one'), 0, { path: dir, name: 'a.txt' });
    const err = await rawUpload(host, Buffer.from('two'), 0, { path: dir, name: 'a.txt' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GenericError);
    expect((err as GenericError).faultString).toMatch(/^upload path exists: .*\/a\.txt$/);
    await rawUpload(host, Buffer.from('two'), 0, { path: dir, name: 'a.txt' }, { overwrite: true });
    expect(await host.call('checkUpload', [dir, 'a.txt', 'adler32'])).toMatchObject({
      size: 3,
      hexdigest: adler32Hex(adler32(Buffer.from('two'))),
    });
  });

  it('enforces the name, path and task-ownership rules', async () => {
    const { dir } = await openTaskOn(hut, host, { method: 'sleep', args: [1] });
    const up = (path: string, name: string) => rawHubUpload(hut.hubUrl, host, path, name, Buffer.from('x'));
    expect(await up(dir, '.hidden')).toMatchObject({
      ok: false,
      faultString: 'Invalid upload filename: .hidden',
    });
    expect(await up('../../etc', 'passwd')).toMatchObject({
      ok: false,
      faultString: 'Invalid upload directory: ../../etc',
    });
    const missing = 2147483647; // the largest task id PostgreSQL holds: no hub has that many tasks
    expect(await up(`tasks/${missing % 10000}/${missing}`, 'x.log')).toMatchObject({
      ok: false,
      faultCode: 1000,
      faultString: `No such task: ${missing}`,
    });
    const other = await hut.makeTask({ method: 'sleep', args: [2] }); // FREE: not this host's
    expect(await up(`tasks/${other % 10000}/${other}`, 'x.log')).toMatchObject({
      ok: false,
      faultCode: 1004,
      faultString: `host ${await host.call<number>('host.getID')} does not own task ${other}`,
    });
    const anonymous = await fetch(`${hut.hubUrl}?filename=x&filepath=${dir}&fileverify=adler32&offset=0`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: 'x',
    });
    // without session headers the hub reads the query string as (old-style) session args
    expect(decodeResponse(await anonymous.text())).toEqual({
      ok: false,
      faultCode: 1002,
      faultString: "'session-id' not specified in session args",
    });
  });

  (CONTRACT_HUB.kind === 'sim' ? it : it.skip)(
    'refuses a second writer of the same file with LockError',
    async () => {
      const { dir } = await openTaskOn(hut, host, { method: 'sleep', args: [1] });
      const creds = host.exportSession();
      const url = new URL(
        `${hut.hubUrl}?filename=big.bin&filepath=${encodeURIComponent(dir)}&fileverify=adler32&offset=0&overwrite=1`,
      );
      const headers = {
        'Content-Type': 'application/octet-stream',
        'Koji-Session-Id': String(creds.id),
        'Koji-Session-Key': creds.key,
        'Koji-Session-Callnum': '900',
      };
      const first = request(url, { method: 'POST', headers: { ...headers, 'Transfer-Encoding': 'chunked' } });
      const firstReply = new Promise<string>((resolve, reject) => {
        first.on('response', (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        });
        first.on('error', reject);
      });
      first.write(Buffer.alloc(1000, 1));
      // poll until the first writer holds the lock (checkUpload then answers LockError)
      const deadline = Date.now() + 5000;
      while ((await rawCall(hut.hubUrl, 'checkUpload', [dir, 'big.bin', 'adler32'], creds, 800)).ok) {
        if (Date.now() > deadline) throw new Error('the first upload never took the lock');
      }
      const second = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'Koji-Session-Callnum': '901' },
        body: Buffer.alloc(10),
      });
      expect(decodeResponse(await second.text())).toMatchObject({ ok: false, faultCode: 1001 });
      first.end(Buffer.alloc(1000, 2));
      expect(decodeResponse(await firstReply)).toMatchObject({ ok: true, value: { size: 2000, offset: 0 } });
    },
  );
});

async function rawHubUpload(hubUrl: string, client: KojiClient, path: string, name: string, body: Buffer) {
  const creds = client.exportSession();
  const q = new URLSearchParams({ filename: name, filepath: path, fileverify: 'adler32', offset: '0' });
  const res = await fetch(`${hubUrl}?${q.toString()}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/octet-stream',
      'Koji-Session-Id': String(creds.id),
      'Koji-Session-Key': creds.key,
      'Koji-Session-Callnum': String(client.nextCallnum! + 100),
    },
    body,
  });
  return decodeResponse(await res.text());
}
