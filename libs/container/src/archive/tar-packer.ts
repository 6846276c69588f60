import { createReadStream, type Stats } from 'node:fs';
import { lstat, opendir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';

import * as tar from 'tar-stream';

import { InvalidContainerRequestError } from '../errors/invalid-container-request.error';
import type { CopySource } from './copy-source';

type TarHeader = Parameters<tar.Pack['entry']>[0];

/** How the packer writes entries. */
export interface PackOptions {
  /** Mode of a Buffer source. */
  bufferMode: number;
  uid: number;
  gid: number;
}

/** A tar stream being produced and the promise of its producer (rejects on any read error). */
export interface PackedCopy {
  stream: tar.Pack;
  done: Promise<void>;
}

/**
 * Streams `source` as a tar archive whose single top entry is `entryName`: a file (mode
 * and mtime kept), a directory tree (modes kept, symlinks kept as symlinks, never
 * followed), or a Buffer. Files are read as the archive is consumed, so a large file is
 * never held in memory. A file that changes size while being read fails the archive.
 */
export function packCopySource(source: CopySource, entryName: string, options: PackOptions): PackedCopy {
  const pack = tar.pack();
  // The error reaches the caller through `done` (and the consumer's read); without a
  // listener, a failure before anyone reads would be an uncaught 'error' event.
  pack.on('error', () => undefined);
  const owner = { uid: options.uid, gid: options.gid };
  const done = (async () => {
    if (Buffer.isBuffer(source)) {
      await addEntry(pack, { name: entryName, type: 'file', mode: options.bufferMode, ...owner }, source);
    } else {
      const st = await stat(source); // the top path may be a symlink: copy what it points to
      if (st.isDirectory()) await addTree(pack, source, entryName, owner, st);
      else await addPath(pack, source, entryName, owner, st);
    }
    pack.finalize();
  })().catch((err: unknown) => {
    pack.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  });
  return { stream: pack, done };
}

async function addTree(pack: tar.Pack, dir: string, name: string, owner: Owner, st: Stats): Promise<void> {
  await addPath(pack, dir, name, owner, st);
  const children: string[] = [];
  for await (const dirent of await opendir(dir)) children.push(dirent.name);
  children.sort();
  for (const child of children) {
    const path = join(dir, child);
    const childStat = await lstat(path); // inside the tree, symlinks stay symlinks
    if (childStat.isDirectory()) await addTree(pack, path, `${name}/${child}`, owner, childStat);
    else await addPath(pack, path, `${name}/${child}`, owner, childStat);
  }
}

interface Owner {
  uid: number;
  gid: number;
}

async function addPath(pack: tar.Pack, path: string, name: string, owner: Owner, st: Stats): Promise<void> {
  const header = { name, mode: st.mode & 0o7777, mtime: st.mtime, ...owner };
  if (st.isDirectory()) return addEntry(pack, { ...header, type: 'directory' });
  if (st.isSymbolicLink())
    return addEntry(pack, { ...header, type: 'symlink', linkname: await readlink(path) });
  if (st.isFile()) return addFile(pack, path, { ...header, type: 'file', size: st.size });
  throw new InvalidContainerRequestError(
    [`cannot copy ${path}: it is a ${kindOf(st)}; only files, directories and symlinks can be copied`],
    { step: 'copy' },
  );
}

function kindOf(st: { isSocket(): boolean; isFIFO(): boolean }): string {
  if (st.isSocket()) return 'socket';
  if (st.isFIFO()) return 'fifo';
  return 'device';
}

function addEntry(pack: tar.Pack, header: TarHeader, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const callback = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body === undefined) pack.entry(header, callback);
    else pack.entry(header, body, callback);
  });
}

function addFile(pack: tar.Pack, path: string, header: TarHeader): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    const input = createReadStream(path);
    input.on('error', (err) => {
      entry.destroy(err);
      reject(err);
    });
    input.pipe(entry);
  });
}
