import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import * as tar from 'tar-stream';

import { UnsafeArchiveEntryError } from '../errors/unsafe-archive-entry.error';
import { extractTarSafely } from './safe-tar-extract';

type Header = Parameters<tar.Pack['entry']>[0];

/** A hand-made tar archive as a stream: entries exactly as given, no sanitising. */
function tarOf(...entries: Array<[Header, string?]>): Readable {
  const pack = tar.pack();
  for (const [header, body] of entries) {
    if (body === undefined) pack.entry(header);
    else pack.entry(header, body);
  }
  pack.finalize();
  return Readable.from(pack);
}

describe(extractTarSafely.name, () => {
  let parent: string;
  let dest: string;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'kf-extract-'));
    dest = join(parent, 'dest');
  });
  afterEach(() => rm(parent, { recursive: true, force: true }));

  /** Expects an UnsafeArchiveEntryError naming `entryName`, and nothing next to dest. */
  async function expectRefused(archive: Readable, entryName: string, reason: RegExp): Promise<void> {
    const error = await extractTarSafely(archive, dest, { containerId: 'abc' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeArchiveEntryError);
    expect(error).toMatchObject({ entryName, containerId: 'abc', step: 'copy', retryable: false });
    expect((error as UnsafeArchiveEntryError).reason).toMatch(reason);
    expect((error as Error).message).toContain(JSON.stringify(entryName));
    expect(await readdir(parent)).toEqual(['dest']);
  }

  it('extracts files, directories, symlinks and hard links with their modes, and lists them', async () => {
    const mtime = new Date('2024-01-02T03:04:05Z');
    const entries = await extractTarSafely(
      tarOf(
        [{ name: 'result/', type: 'directory', mode: 0o750 }],
        [{ name: 'result/x.rpm', mode: 0o644, mtime }, 'rpm-bytes'],
        [{ name: 'result/bin/run', mode: 0o4755 }, '#!/bin/sh'],
        [{ name: 'result/latest', type: 'symlink', linkname: 'x.rpm' }],
        [{ name: 'result/copy.rpm', type: 'link', linkname: 'result/x.rpm' }],
        [{ name: './result/./log/build.log' }, 'log'],
      ),
      dest,
    );

    expect(entries.map((e) => [e.path, e.type, e.size, e.mode.toString(8)])).toEqual([
      ['result', 'directory', 0, '750'],
      ['result/x.rpm', 'file', 9, '644'],
      ['result/bin/run', 'file', 9, '755'],
      ['result/latest', 'symlink', 0, '777'],
      ['result/copy.rpm', 'hardlink', 0, '644'],
      ['result/log/build.log', 'file', 3, '644'],
    ]);
    expect(entries[1].hostPath).toBe(
      join(await import('node:fs/promises').then((f) => f.realpath(dest)), 'result', 'x.rpm'),
    );
    expect(await readFile(join(dest, 'result', 'x.rpm'), 'utf8')).toBe('rpm-bytes');
    expect((await stat(join(dest, 'result', 'x.rpm'))).mtime).toEqual(mtime);
    // setuid is dropped: a build must not plant a setuid binary on the host.
    expect((await stat(join(dest, 'result', 'bin', 'run'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(dest, 'result'))).mode & 0o777).toBe(0o750);
    expect(await readlink(join(dest, 'result', 'latest'))).toBe('x.rpm');
    expect((await stat(join(dest, 'result', 'copy.rpm'))).ino).toBe(
      (await stat(join(dest, 'result', 'x.rpm'))).ino,
    );
  });

  it('refuses a name that climbs out with ..', async () => {
    await expectRefused(tarOf([{ name: '../evil' }, 'x']), '../evil', /climbs out/);
    await expectRefused(tarOf([{ name: 'ok/../../evil' }, 'x']), 'ok/../../evil', /climbs out/);
  });

  it('refuses an absolute name', async () => {
    await expectRefused(tarOf([{ name: '/etc/evil' }, 'x']), '/etc/evil', /absolute path/);
  });

  it('refuses a symlink pointing outside, absolute or relative', async () => {
    await expectRefused(
      tarOf([{ name: 'passwd', type: 'symlink', linkname: '/etc/passwd' }]),
      'passwd',
      /absolute/,
    );
    await expectRefused(tarOf([{ name: 'a/up', type: 'symlink', linkname: '../../x' }]), 'a/up', /outside/);
  });

  it('refuses a symlink chain that only escapes once links are followed, and removes it', async () => {
    await expectRefused(
      tarOf(
        [{ name: 'b', type: 'symlink', linkname: '.' }],
        [{ name: 'a', type: 'symlink', linkname: 'b/b/b/..' }],
      ),
      'a',
      /resolves to .* outside/,
    );
    await expect(lstat(join(dest, 'a'))).rejects.toThrow('ENOENT');
  });

  it('never writes through a symlink, even one pointing inside', async () => {
    await expectRefused(
      tarOf(
        [{ name: 'sub', type: 'directory' }],
        [{ name: 'link', type: 'symlink', linkname: 'sub' }],
        [{ name: 'link/file' }, 'x'],
      ),
      'link/file',
      /goes through the symlink/,
    );
  });

  it('replaces a symlink by a file of the same name instead of writing through it', async () => {
    await mkdir(dest);
    await writeFile(join(dest, 'target'), 'keep me');
    await extractTarSafely(
      tarOf([{ name: 'entry', type: 'symlink', linkname: 'target' }], [{ name: 'entry' }, 'new content']),
      dest,
    );
    expect(await readFile(join(dest, 'target'), 'utf8')).toBe('keep me');
    expect(await readFile(join(dest, 'entry'), 'utf8')).toBe('new content');
    expect((await lstat(join(dest, 'entry'))).isFile()).toBe(true);
  });

  it('refuses a hard link to anything but a file of this archive', async () => {
    await expectRefused(
      tarOf([{ name: 'h', type: 'link', linkname: '../../etc/passwd' }]),
      'h',
      /climbs out/,
    );
    await expectRefused(
      tarOf([{ name: 'h', type: 'link', linkname: 'etc/passwd' }]),
      'h',
      /not a file extracted/,
    );
    await expectRefused(tarOf([{ name: 'h', type: 'link', linkname: '/etc/passwd' }]), 'h', /absolute path/);
  });

  it('refuses device and fifo entries', async () => {
    await expectRefused(
      tarOf([{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }]),
      'null',
      /character-device/,
    );
    await expectRefused(tarOf([{ name: 'pipe', type: 'fifo' }]), 'pipe', /fifo/);
  });

  it('extracts into an existing destination reached through a symlink', async () => {
    const real = join(parent, 'real');
    await mkdir(real);
    await import('node:fs/promises').then((f) => f.symlink(real, join(parent, 'alias')));
    const entries = await extractTarSafely(tarOf([{ name: 'f' }, 'x']), join(parent, 'alias'));
    expect(entries[0].hostPath).toBe(join(real, 'f'));
    expect(await readFile(join(real, 'f'), 'utf8')).toBe('x');
  });

  it('rejects with the stream error when the archive stream fails', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('connection lost'));
      },
    });
    await expect(extractTarSafely(broken, dest)).rejects.toThrow('connection lost');
  });
});
