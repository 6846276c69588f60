import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CollectingSink,
  ContainerError,
  ContainerManager,
  InvalidContainerRequestError,
  UnsafeArchiveEntryError,
  type ContainerHandle,
} from '@koji-farm/container';

import { ContainerTestKit, createTestContainerManager } from '../support/container-test-kit';
import { memoryGrowth } from './support/memory-growth';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe(`${ContainerManager.name} copyTo / copyFrom`, () => {
  let sut: ContainerManager;
  let kit: ContainerTestKit;
  let work: string;

  beforeAll(() => {
    sut = createTestContainerManager();
    kit = new ContainerTestKit(sut);
  });
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'kf-copy-'));
  });
  afterEach(async () => {
    await kit.cleanup();
    await rm(work, { recursive: true, force: true });
  });
  afterAll(() => sut.close());

  async function sh(handle: ContainerHandle, script: string): Promise<string> {
    const sink = new CollectingSink();
    const result = await sut.exec(handle, ['sh', '-c', script], sink);
    if (result.exitCode !== 0) throw new Error(`${script} exited ${result.exitCode}: ${sink.stderrText()}`);
    return sink.stdoutText();
  }

  it('round-trips a binary file, keeping its content and mode, into a missing directory', async () => {
    const handle = await kit.started();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const file = join(work, 'blob.bin');
    await writeFile(file, data);
    await chmod(file, 0o750);

    await sut.copyTo(handle, file, '/work/in/renamed.bin');
    expect(
      await sh(handle, 'stat -c "%a %s %u:%g" /work/in/renamed.bin; sha256sum /work/in/renamed.bin'),
    ).toBe(`750 ${data.length} 0:0\n${sha256(data)}  /work/in/renamed.bin\n`);

    const out = join(work, 'out');
    const entries = await sut.copyFrom(handle, '/work/in/renamed.bin', out);
    expect(entries).toEqual([
      expect.objectContaining({ path: 'renamed.bin', type: 'file', size: data.length, mode: 0o750 }),
    ]);
    expect(sha256(await readFile(join(out, 'renamed.bin')))).toBe(sha256(data));
    expect((await stat(join(out, 'renamed.bin'))).mode & 0o777).toBe(0o750);
  });

  it('round-trips a directory tree with modes, an empty file and a relative symlink', async () => {
    const handle = await kit.started();
    const tree = join(work, 'tree');
    await mkdir(join(tree, 'bin'), { recursive: true });
    await mkdir(join(tree, 'private'));
    const script = Buffer.from('#!/bin/sh\necho run\n');
    const data = randomBytes(100_000);
    await writeFile(join(tree, 'bin', 'run.sh'), script);
    await writeFile(join(tree, 'private', 'data.bin'), data);
    await writeFile(join(tree, 'empty'), '');
    await symlink('bin/run.sh', join(tree, 'link'));
    await chmod(join(tree, 'bin', 'run.sh'), 0o755);
    await chmod(join(tree, 'private', 'data.bin'), 0o640);
    await chmod(join(tree, 'private'), 0o700);
    await chmod(join(tree, 'empty'), 0o600);

    await sut.copyTo(handle, tree, '/builddir/tree');
    expect(await sh(handle, 'cd /builddir/tree && find . -printf "%P %m %y %l\\n" | sort && ./link')).toBe(
      [
        ' 755 d ',
        'bin 755 d ',
        'bin/run.sh 755 f ',
        'empty 600 f ',
        'link 777 l bin/run.sh',
        'private 700 d ',
        'private/data.bin 640 f ',
        'run',
        '',
      ].join('\n'),
    );

    const out = join(work, 'out');
    const entries = await sut.copyFrom(handle, '/builddir/tree', out);
    expect(entries.map((e) => `${e.path} ${e.type} ${e.mode.toString(8)}`).sort()).toEqual([
      'tree directory 755',
      'tree/bin directory 755',
      'tree/bin/run.sh file 755',
      'tree/empty file 600',
      'tree/link symlink 777',
      'tree/private directory 700',
      'tree/private/data.bin file 640',
    ]);
    expect(await readFile(join(out, 'tree', 'bin', 'run.sh'))).toEqual(script);
    expect(sha256(await readFile(join(out, 'tree', 'private', 'data.bin')))).toBe(sha256(data));
    expect(await readlink(join(out, 'tree', 'link'))).toBe('bin/run.sh');
    expect((await stat(join(out, 'tree', 'private'))).mode & 0o777).toBe(0o700);
  });

  it('copies a Buffer as a file with the given mode and owner, into a created (not started) container', async () => {
    const handle = await kit.create();
    await sut.copyTo(handle, Buffer.from('%_topdir /builddir/build\n'), '/etc/rpm/macros.koji', {
      mode: 0o600,
      uid: 1000,
      gid: 1001,
    });
    await sut.start(handle);
    expect(await sh(handle, 'stat -c "%a %u:%g" /etc/rpm/macros.koji; cat /etc/rpm/macros.koji')).toBe(
      '600 1000:1001\n%_topdir /builddir/build\n',
    );
  });

  it('streams a large file instead of holding it in memory', async () => {
    const handle = await kit.started();
    const size = 512 * 1024 * 1024;
    const file = join(work, 'sparse.img');
    await writeFile(file, '');
    await truncate(file, size);
    // In a process of its own: holding the file would grow it by 512 MB; streaming grows
    // it by its buffers, a few MB however large the file and however loaded the machine.
    const { growthBytes } = await memoryGrowth(sut.socketPath, handle.id, 'copy-to', file, '/tmp/sparse.img');
    expect(await sh(handle, 'stat -c %s /tmp/sparse.img && rm /tmp/sparse.img')).toBe(`${size}\n`);
    expect(growthBytes).toBeLessThan(size / 4);
  }, 180_000);

  it('refuses to extract a container symlink pointing outside the destination, writing nothing outside', async () => {
    const handle = await kit.started();
    await sh(
      handle,
      'mkdir -p /out/sub && echo ok > /out/ok && ln -s /etc/passwd /out/sub/passwd && ln -s ../../.. /out/up',
    );
    const parent = join(work, 'parent');
    const dest = join(parent, 'dest');
    await mkdir(parent);

    const error = await sut.copyFrom(handle, '/out', dest).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsafeArchiveEntryError);
    expect(error).toMatchObject({ containerId: handle.id, retryable: false, step: 'copy' });
    expect((error as UnsafeArchiveEntryError).entryName).toMatch(/^out\/(sub\/passwd|up)$/);
    expect(await readdir(parent)).toEqual(['dest']);
  });

  it('gives typed errors for a relative destination, a missing host source and a missing container path', async () => {
    const handle = await kit.started();
    await expect(sut.copyTo(handle, Buffer.from('x'), 'relative/path')).rejects.toBeInstanceOf(
      InvalidContainerRequestError,
    );
    await expect(sut.copyTo(handle, join(work, 'nope'), '/tmp/nope')).rejects.toBeInstanceOf(
      InvalidContainerRequestError,
    );
    const missing = await sut.copyFrom(handle, '/no/such/path', join(work, 'out')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ContainerError);
    expect(missing).toMatchObject({ step: 'copy', containerId: handle.id });
  });
});
