import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { decodeResponse, encodeRequest } from '@koji-farm/koji/xmlrpc';
import { HubSimulator } from './hub-simulator';

describe(HubSimulator.name, () => {
  let dir: string;
  let sut: HubSimulator;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'koji-hub-sim-'));
    sut = await HubSimulator.start({ dir });
  });
  afterEach(async () => {
    await sut.stop();
    await sut.stop(); // idempotent
    rmSync(dir, { recursive: true, force: true });
  });

  it('offers the admin API as JSON over HTTP', async () => {
    const post = (op: string, body: unknown) =>
      fetch(`${sut.baseUrl}/sim/admin/${op}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      });
    const res = await post('addUser', { name: 'alice', password: 'pw', perms: ['admin'] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { id: 1, name: 'alice' } });
    const task = (await (await post('makeTask', { method: 'sleep', args: [1] })).json()) as {
      result: number;
    };
    expect(await (await post('task', { id: task.result })).json()).toMatchObject({
      result: { method: 'sleep', state: 0 },
    });
    const bad = await post('dropDatabase', {});
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: 'Error',
      message: expect.stringContaining('unknown admin operation'),
    });
    expect((await fetch(`${sut.baseUrl}/sim/admin/addUser`)).status).toBe(405);
  });

  it('answers a request over MaxRequestLength with GenericError "Request too long" (HTTP 200), as _read_request does', async () => {
    sut.admin.setHubOptions({ maxRequestLength: 1000 });
    const res = await fetch(sut.url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body: encodeRequest('echo', ['x'.repeat(2000)]),
    });
    expect(res.status).toBe(200);
    expect(decodeResponse(await res.text())).toEqual({
      ok: false,
      faultCode: 1000,
      faultString: 'Request too long',
    });
  });

  it('serves the KojiDir at topurl: files, byte ranges, directory indexes, 404', async () => {
    mkdirSync(join(dir, 'work/x'), { recursive: true });
    writeFileSync(join(dir, 'work/x/f.txt'), '0123456789');
    expect(await (await fetch(`${sut.topurl}/work/x/f.txt`)).text()).toBe('0123456789');
    const part = await fetch(`${sut.topurl}/work/x/f.txt`, { headers: { Range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('234');
    expect(await (await fetch(`${sut.topurl}/work/x/`)).text()).toContain('f.txt');
    expect((await fetch(`${sut.topurl}/work/x/nope`)).status).toBe(404);
    expect((await fetch(`${sut.topurl}/../../etc/passwd`)).status).toBe(404);
  });

  it('runs standalone with --seed (npm run hub-sim)', async () => {
    const root = resolve(__dirname, '../..');
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        '-r',
        'tsconfig-paths/register',
        'test/koji-hub-sim/main.ts',
        '--port',
        '0',
        '--dir',
        join(dir, 'cli'),
        '--seed',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'koji hub simulator listening' && rec.url) resolveUrl(rec.url);
        });
        child.once('exit', (code) => reject(new Error(`hub-sim exited with ${code}`)));
      });
      const res = await fetch(url, { method: 'POST', body: encodeRequest('getRepo', ['f40-build']) });
      expect(decodeResponse(await res.text())).toMatchObject({
        ok: true,
        value: { state: 1, tag_name: 'f40-build' },
      });
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
