import { type PlannedFile } from './buildroot-plan';
import { httpUrl, tagName } from './safe-values';

export const REPO_FILE_DEST = '/etc/yum.repos.d/koji.repo';
/** The repo id dnf knows the tag's repo by; the group install enables only this one. */
export const KOJI_REPO_ID = 'koji';

/** `<topurl>/repos/<tag>/<repo_id>/<arch>` (Koji's PathInfo.repo plus the arch). */
export function repoUrl(topurl: string, tag: string, repoId: number, arch: string): string {
  return `${topurl.replace(/\/+$/, '')}/repos/${tagName(tag)}/${repoId}/${arch}`;
}

export interface RepoFileOptions {
  /** `mock.yum.module_hotfixes` of the tag's extra. */
  moduleHotfixes?: boolean;
  /** `mock.yum.best` of the tag's extra: `best=1` when true, dnf's default otherwise (as kojid). */
  best?: boolean;
}

/**
 * The dnf repo file for the tag's repo, with kojid's repo settings: unsigned packages
 * allowed (the hub's repos are not signed), never skipped when unreachable.
 */
export function repoFile(
  url: string,
  tag: string,
  repoId: number,
  options: RepoFileOptions = {},
): PlannedFile {
  const lines = [
    '# Written by koji-farm for one buildroot',
    `[${KOJI_REPO_ID}]`,
    `name=Koji repo ${repoId} of tag ${tagName(tag)}`,
    `baseurl=${httpUrl('repo URL', url)}`,
    'enabled=1',
    'gpgcheck=0',
    'repo_gpgcheck=0',
    'skip_if_unavailable=False',
  ];
  if (options.moduleHotfixes) lines.push('module_hotfixes=1');
  if (options.best) lines.push('best=1');
  return { content: `${lines.join('\n')}\n`, dest: REPO_FILE_DEST };
}
