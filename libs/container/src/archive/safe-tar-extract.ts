import { createWriteStream } from 'node:fs';
import { chmod, link, lstat, mkdir, realpath, symlink, unlink, utimes } from 'node:fs/promises';
import { dirname, join, posix, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import * as tar from 'tar-stream';

import { UnsafeArchiveEntryError } from '../errors/unsafe-archive-entry.error';

type TarEntry = tar.Extract extends AsyncIterable<infer E> ? E : never;

/** One entry written by {@link extractTarSafely}. */
export interface ExtractedEntry {
  /** Path relative to the destination directory, `/`-separated, as the archive named it. */
  path: string;
  /** Absolute host path. */
  hostPath: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** Bytes of a file (0 for other types). */
  size: number;
  /** Permission bits as written (setuid, setgid and sticky bits are dropped). */
  mode: number;
}

/** Options of {@link extractTarSafely}. */
export interface SafeExtractOptions {
  /** The container the archive came from, named in errors. */
  containerId?: string;
}

/**
 * Extracts a tar stream into `hostDir` (created if missing) without ever writing outside
 * it. Refused with an {@link UnsafeArchiveEntryError} naming the entry:
 * - a name that is absolute or has a `..` component;
 * - a symlink whose target is absolute or resolves outside `hostDir` (checked on the
 *   name, and again with `realpath` once everything is written, for chains of links);
 * - a hard link whose target is not a regular file extracted earlier from this archive;
 * - any entry whose path goes through a symlink (so no write follows a link);
 * - devices, fifos and other special entries.
 * Files are streamed to disk; modes are kept without setuid/setgid/sticky bits (a hostile
 * build must not plant a setuid binary on the host); ownership is the caller's. Entries
 * written before a refused one stay in place (all inside `hostDir`).
 */
export async function extractTarSafely(
  source: Readable,
  hostDir: string,
  options: SafeExtractOptions = {},
): Promise<ExtractedEntry[]> {
  await mkdir(hostDir, { recursive: true });
  const root = await realpath(hostDir);
  const extract = tar.extract();
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract);

  const extractor = new Extractor(root, options.containerId);
  try {
    for await (const entry of extract) {
      await extractor.write(entry);
    }
    await extractor.finish();
  } catch (err) {
    source.destroy();
    extract.destroy();
    throw err;
  }
  return extractor.entries;
}

class Extractor {
  readonly entries: ExtractedEntry[] = [];
  private readonly files = new Set<string>();
  private readonly symlinks: ExtractedEntry[] = [];
  private readonly dirModes: Array<{ hostPath: string; mode: number }> = [];

  constructor(
    private readonly root: string,
    private readonly containerId: string | undefined,
  ) {}

  async write(entry: TarEntry): Promise<void> {
    const { header } = entry;
    const rel = this.safeName(header.name, header.name);
    if (rel === '') {
      entry.resume(); // "./": the destination itself
      return;
    }
    const hostPath = join(this.root, ...rel.split('/'));
    await this.checkParents(header.name, rel);
    const mode = (header.mode ?? (header.type === 'directory' ? 0o755 : 0o644)) & 0o777;

    switch (header.type) {
      case 'directory':
        entry.resume();
        await this.makeDirectory(header.name, hostPath);
        this.dirModes.push({ hostPath, mode });
        this.entries.push({ path: rel, hostPath, type: 'directory', size: 0, mode });
        return;
      case 'file':
      case 'contiguous-file':
      case null:
      case undefined: {
        await this.clearTarget(header.name, hostPath);
        await pipeline(entry, createWriteStream(hostPath, { flags: 'wx', mode: 0o600 }));
        await chmod(hostPath, mode);
        if (header.mtime) await utimes(hostPath, header.mtime, header.mtime);
        this.files.add(rel);
        this.entries.push({ path: rel, hostPath, type: 'file', size: header.size ?? 0, mode });
        return;
      }
      case 'symlink': {
        entry.resume();
        const target = header.linkname ?? '';
        this.checkSymlinkTarget(header.name, rel, target);
        await this.clearTarget(header.name, hostPath);
        await symlink(target, hostPath);
        const extracted: ExtractedEntry = { path: rel, hostPath, type: 'symlink', size: 0, mode: 0o777 };
        this.symlinks.push(extracted);
        this.entries.push(extracted);
        return;
      }
      case 'link': {
        entry.resume();
        const targetRel = this.safeName(header.name, header.linkname ?? '');
        if (!this.files.has(targetRel)) {
          throw this.unsafe(
            header.name,
            `hard link target ${header.linkname ?? ''} is not a file extracted from this archive`,
          );
        }
        await this.clearTarget(header.name, hostPath);
        await link(join(this.root, ...targetRel.split('/')), hostPath);
        this.files.add(rel);
        this.entries.push({ path: rel, hostPath, type: 'hardlink', size: 0, mode });
        return;
      }
      default:
        entry.resume();
        throw this.unsafe(
          header.name,
          `entry type ${header.type} is not extracted (only files, directories and links)`,
        );
    }
  }

  /** Checks links again with the real file system, then applies directory modes (children first). */
  async finish(): Promise<void> {
    for (const link of this.symlinks) {
      let resolved: string;
      try {
        resolved = await realpath(link.hostPath);
      } catch {
        continue; // dangling: its target was checked on the name and lies inside
      }
      if (!this.inside(resolved)) {
        await unlink(link.hostPath);
        throw this.unsafe(link.path, `symlink resolves to ${resolved}, outside the destination`);
      }
    }
    for (const dir of [...this.dirModes].reverse()) await chmod(dir.hostPath, dir.mode);
  }

  /** The entry's path relative to the root, normalised; refuses absolute and climbing names. */
  private safeName(entryName: string, name: string): string {
    if (name.includes('\0')) throw this.unsafe(entryName, 'name contains a NUL character');
    if (name.startsWith('/')) throw this.unsafe(entryName, `absolute path ${name}`);
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw this.unsafe(entryName, `path ${name} climbs out with ".."`);
    return parts.join('/');
  }

  private checkSymlinkTarget(entryName: string, rel: string, target: string): void {
    if (target === '' || target.includes('\0'))
      throw this.unsafe(entryName, 'symlink has an empty or invalid target');
    if (target.startsWith('/'))
      throw this.unsafe(entryName, `symlink target ${target} is absolute, outside the destination`);
    const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
    if (resolved === '..' || resolved.startsWith('../')) {
      throw this.unsafe(entryName, `symlink target ${target} points outside the destination`);
    }
  }

  /** No existing ancestor of the entry (below the root) may be a symlink: writes never follow links. */
  private async checkParents(entryName: string, rel: string): Promise<void> {
    const parts = rel.split('/');
    let current = this.root;
    for (const part of parts.slice(0, -1)) {
      current = join(current, part);
      const st = await lstat(current).catch(() => undefined);
      if (st === undefined) return; // missing: created below as a real directory
      if (st.isSymbolicLink()) throw this.unsafe(entryName, `path goes through the symlink ${current}`);
      if (!st.isDirectory()) throw this.unsafe(entryName, `parent ${current} is not a directory`);
    }
  }

  private async makeDirectory(entryName: string, hostPath: string): Promise<void> {
    const st = await lstat(hostPath).catch(() => undefined);
    if (st?.isDirectory()) return;
    if (st !== undefined) await this.clearTarget(entryName, hostPath);
    await mkdir(hostPath, { recursive: true, mode: 0o700 });
  }

  /** Makes room for a new file or link: removes an earlier file or link of that name, never a directory. */
  private async clearTarget(entryName: string, hostPath: string): Promise<void> {
    await mkdir(dirname(hostPath), { recursive: true, mode: 0o755 });
    const st = await lstat(hostPath).catch(() => undefined);
    if (st === undefined) return;
    if (st.isDirectory()) throw this.unsafe(entryName, 'would replace a directory');
    await unlink(hostPath);
  }

  private inside(path: string): boolean {
    return path === this.root || path.startsWith(this.root + sep);
  }

  private unsafe(entryName: string, reason: string): UnsafeArchiveEntryError {
    return new UnsafeArchiveEntryError(entryName, reason, { containerId: this.containerId });
  }
}
