import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonArch } from '@koji-farm/koji';
import { readRpmHeader } from '../builds/rpm-header';
import { BUILD_STATES, REPO_STATES } from '../db/states';
import { GenericError } from '../errors/koji-errors';
import type { HubServices } from '../hub-services';
import { pyStr } from '../python/py-format';

const run = promisify(execFile);

/**
 * Imports built RPM files (the SRPM among them) as one COMPLETE build owned by
 * `owner`, copying them under packages/; returns the build id and its name.
 */
export function importBuildFiles(
  s: HubServices,
  paths: string[],
  owner: number,
): { buildId: number; name: string } {
  const srpm = paths.find((p) => readRpmHeader(p).sourcepackage);
  if (!srpm) throw new GenericError('importBuild needs the source RPM among the paths');
  const hdr = readRpmHeader(srpm);
  const buildId = s.db.run(() => {
    const id = s.builds.newBuild(
      { name: hdr.name, version: hdr.version, release: hdr.release, epoch: hdr.epoch },
      owner,
      BUILD_STATES.COMPLETE,
    );
    for (const path of paths) s.builds.importRpmFile(path, id, null, false);
    return id;
  });
  return { buildId, name: hdr.name };
}

/**
 * A READY repo for a tag made on this machine: repo_init's layout, then `createrepo_c`
 * per arch over the pkglist with the groups file (`-g`), as kojid's createrepo task does.
 */
export async function createRepoOnHost(
  s: HubServices,
  tag: string,
): Promise<{ repoId: number; eventId: number }> {
  const [repoId, eventId] = s.db.run(() => s.repos.repoInit(tag, null, null));
  const info = s.repos.repoInfo(repoId, true)!;
  const repodir = s.dir.repo(repoId, pyStr(info.tag_name));
  const arches = new Set(
    (s.tags.tagRow(tag).arches ?? '')
      .split(/\s+/)
      .filter((a) => a && a !== 'noarch' && a !== 'src')
      .map(canonArch),
  );
  for (const arch of arches) {
    const archdir = join(repodir, arch);
    const groups = join(repodir, 'groups/comps.xml');
    await run('createrepo_c', [
      '--quiet',
      '--pkglist',
      join(archdir, 'pkglist'),
      '-g',
      groups,
      '--outputdir',
      archdir,
      archdir,
    ]);
  }
  s.db.run(() => s.repos.setState(repoId, REPO_STATES.READY));
  return { repoId, eventId };
}
