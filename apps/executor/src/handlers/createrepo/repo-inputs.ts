import { readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { DownloadError, Downloader, type KojiClient } from '@koji-farm/koji';
import { FAULT, TaskFailureError } from '../../tasks/errors/task-failure.error';

/** What a createrepo task reads of a repo that `host.repoInit` wrote, fetched to a host directory. */
export interface FetchedRepo {
  /** Host directory laid out as the KojiDir (`repos/<tag>/<id>/...`, packages under the arch's `toplink/`). */
  tree: string;
  /** KojiDir-relative `repos/<tag>/<id>`. */
  repoPath: string;
  hasPackages: boolean;
  hasComps: boolean;
}

/**
 * Fetches through `topurl` what kojid reads from its KojiDir mount: the arch's `pkglist`
 * and `blocklist`, `groups/comps.xml`, and every package the pkglist names (under the
 * arch's `toplink/`, as the hub's symlink to the KojiDir would show them), so that
 * createrepo_c finds the same relative paths and writes the same locations.
 */
export async function fetchRepoInputs(
  client: KojiClient,
  repoPath: string,
  arch: string,
  tree: string,
  signal: AbortSignal,
): Promise<FetchedRepo> {
  const downloader = new Downloader(client);
  const archPath = `${repoPath}/${arch}`;
  const get = (path: string) => downloader.download(path, join(tree, path), { signal });
  try {
    await get(`${archPath}/pkglist`);
  } catch (err) {
    if (missing(err)) throw generic(`Repo directory missing: ${archPath} (no pkglist at topurl)`);
    throw err;
  }
  const hasComps = await optional(get(`${repoPath}/groups/comps.xml`));
  await optional(get(`${archPath}/blocklist`));
  const entries = (await readFile(join(tree, archPath, 'pkglist'), 'utf8')).split('\n').filter(Boolean);
  for (const entry of entries) {
    const relative = packagePath(entry);
    await downloader.download(relative, join(tree, archPath, 'toplink', relative), { signal });
  }
  return { tree, repoPath, hasPackages: entries.length > 0, hasComps };
}

/**
 * The old repo's repodata, for `createrepo_c --update`: `repomd.xml` and the files it
 * names. Null when it is gone (kojid then warns and builds the repo from scratch).
 */
export async function fetchOldRepodata(
  client: KojiClient,
  oldRepoPath: string,
  arch: string,
  dest: string,
  signal: AbortSignal,
): Promise<string | null> {
  const downloader = new Downloader(client);
  const base = `${oldRepoPath}/${arch}/repodata`;
  const repomd = join(dest, 'repomd.xml');
  if (!(await optional(downloader.download(`${base}/repomd.xml`, repomd, { signal })))) return null;
  const hrefs = [...(await readFile(repomd, 'utf8')).matchAll(/<location\s+href="repodata\/([^"/]+)"/g)].map(
    (m) => m[1],
  );
  for (const name of hrefs) {
    if (!(await optional(downloader.download(`${base}/${name}`, join(dest, name), { signal })))) return null;
  }
  return dest;
}

/** `toplink/packages/...` → `packages/...`; anything else in a pkglist is refused. */
function packagePath(entry: string): string {
  const path = posix.normalize(entry);
  if (!path.startsWith('toplink/') || path.split('/').includes('..'))
    throw generic(`unexpected entry in pkglist: ${entry.slice(0, 200)}`);
  return path.slice('toplink/'.length);
}

async function optional(download: Promise<unknown>): Promise<boolean> {
  try {
    await download;
    return true;
  } catch (err) {
    if (missing(err)) return false;
    throw err;
  }
}

function missing(err: unknown): boolean {
  return err instanceof DownloadError && err.status === 404;
}

function generic(message: string): TaskFailureError {
  return new TaskFailureError(FAULT.generic.code, FAULT.generic.name, message);
}

/** True when `path` exists (a file on the KojiDir mount). */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
