import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import * as tar from 'tar-stream';

import { InvalidContainerRequestError } from '../errors/invalid-container-request.error';
import { packCopySource } from './tar-packer';

interface Seen {
  name: string;
  type: string;
  mode: string;
  uid: number;
  linkname?: string;
  body: string;
}

async function unpack(pack: tar.Pack): Promise<Seen[]> {
  const extract = tar.extract();
  Readable.from(pack).pipe(extract);
  const seen: Seen[] = [];
  for await (const entry of extract) {
    const parts: Buffer[] = [];
    for await (const part of entry) parts.push(part as Buffer);
    const h = entry.header;
    seen.push({
      name: h.name,
      type: h.type,
      mode: h.mode.toString(8),
      uid: h.uid,
      ...(h.linkname ? { linkname: h.linkname } : {}),
      body: Buffer.concat(parts).toString(),
    });
  }
  return seen;
}

describe(packCopySource.name, () => {
  let work: string;
  const options = { bufferMode: 0o600, uid: 7, gid: 8 };

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'kf-pack-'));
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('packs a Buffer as one file with the given mode and owner', async () => {
    const sut = packCopySource(Buffer.from('hello'), 'macros', options);
    const [seen] = await Promise.all([unpack(sut.stream), sut.done]);
    expect(seen).toEqual([{ name: 'macros', type: 'file', mode: '600', uid: 7, body: 'hello' }]);
  });

  it('packs a directory tree under the entry name, keeping modes and symlinks, sorted', async () => {
    const dir = join(work, 'src');
    await mkdir(join(dir, 'b'), { recursive: true });
    await writeFile(join(dir, 'b', 'tool'), 'bin');
    await writeFile(join(dir, 'a.txt'), 'text');
    await symlink('/etc/passwd', join(dir, 'abs-link'));
    await chmod(join(dir, 'b', 'tool'), 0o751);
    await chmod(join(dir, 'a.txt'), 0o640);
    await chmod(join(dir, 'b'), 0o711);
    await chmod(dir, 0o755);

    const sut = packCopySource(dir, 'dest', options);
    const [seen] = await Promise.all([unpack(sut.stream), sut.done]);
    expect(seen).toEqual([
      { name: 'dest', type: 'directory', mode: '755', uid: 7, body: '' },
      { name: 'dest/a.txt', type: 'file', mode: '640', uid: 7, body: 'text' },
      { name: 'dest/abs-link', type: 'symlink', mode: '777', uid: 7, linkname: '/etc/passwd', body: '' },
      { name: 'dest/b', type: 'directory', mode: '711', uid: 7, body: '' },
      { name: 'dest/b/tool', type: 'file', mode: '751', uid: 7, body: 'bin' },
    ]);
  });

  it('follows a top-level symlink to the file it names', async () => {
    await writeFile(join(work, 'real'), 'content');
    await symlink(join(work, 'real'), join(work, 'alias'));
    const sut = packCopySource(join(work, 'alias'), 'copy', options);
    const [seen] = await Promise.all([unpack(sut.stream), sut.done]);
    expect(seen).toEqual([expect.objectContaining({ name: 'copy', type: 'file', body: 'content' })]);
  });

  it('fails on a socket inside the tree, naming it', async () => {
    const dir = join(work, 'with-socket');
    await mkdir(dir);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
    try {
      const sut = packCopySource(dir, 'x', options);
      sut.stream.resume();
      const error = await sut.done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidContainerRequestError);
      expect((error as Error).message).toContain(`${join(dir, 'sock')}: it is a socket`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
