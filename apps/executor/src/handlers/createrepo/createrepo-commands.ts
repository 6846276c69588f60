import { type ExternalRepo } from '../../hub/parent-schemas';
import { FAULT, TaskFailureError } from '../../tasks/errors/task-failure.error';

/** Where things are inside a createrepo container. */
export interface RepoPaths {
  /** The repo's arch directory (pkglist, blocklist, and `toplink/...` under it). */
  repodir: string;
  /** `groups/comps.xml` of the repo, or null when the hub wrote none. */
  comps: string | null;
  /** The output directory; its `repodata/` is the result. */
  outdir: string;
}

/**
 * kojid's `create_local_repo` command: `createrepo_c --error-exit-val -vd -o OUT`, the
 * package list (`-i`, unless empty: then an empty repo of OUT), the groups (`-g`), and
 * `--update --skip-stat` when the old repodata was copied into OUT first.
 */
export function createrepoArgv(paths: RepoPaths, hasPackages: boolean, update: boolean): string[] {
  const argv = ['createrepo_c', '--error-exit-val', '-vd', '-o', paths.outdir];
  if (hasPackages) argv.push('-i', `${paths.repodir}/pkglist`);
  if (paths.comps) argv.push('-g', paths.comps);
  if (update && hasPackages) argv.push('--update', '--skip-stat');
  argv.push(hasPackages ? paths.repodir : paths.outdir);
  return argv;
}

/** `mergerepo_c --version` output: "Version: 0.17.3 (Features: ...)". */
export function parseMergerepoVersion(output: string): [number, number, number] | null {
  const m = /Version: (\d+)\.(\d+)\.(\d+)/.exec(output.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function atLeast(version: readonly number[] | null, wanted: readonly number[]): boolean {
  if (!version) return false;
  for (let i = 0; i < 3; i++) if (version[i] !== wanted[i]) return version[i] > wanted[i];
  return true;
}

/**
 * kojid's `merge_repos` command: the local repo (moved to `premerge`) first, then every
 * external repo that serves this arch (`$arch` replaced), merged in the tag's one merge
 * mode (`koji`: mergerepo_c --koji with the blocklist; `simple`; `bare` for modular repos).
 */
export function mergerepoArgv(
  externalRepos: readonly ExternalRepo[],
  arch: string,
  paths: RepoPaths & { premerge: string },
  version: [number, number, number] | null,
): string[] {
  const modes = [...new Set(externalRepos.map((r) => r.merge_mode ?? 'koji'))];
  if (modes.length > 1) throw generic(`Found multiple merge modes for external repos: ${modes.join(', ')}`);
  const mode = modes[0] ?? 'koji';
  let argv: string[];
  if (mode === 'simple') {
    if (!atLeast(version, [0, 13, 0]))
      throw generic(
        `mergerepo_c is not installed or has low version: ${version?.join('.') ?? 'None'} (0.13.0 needed for --simple)`,
      );
    argv = ['mergerepo_c', '--koji', '--simple'];
  } else if (mode === 'bare') argv = ['mergerepo_c', '--pkgorigins', '--all'];
  else argv = ['mergerepo_c', '--koji'];
  if (mode !== 'bare') argv.push('-b', `${paths.repodir}/blocklist`);
  argv.push('-a', arch, '-o', paths.outdir);
  if (atLeast(version, [0, 15, 11])) argv.push('--arch-expand');
  if (paths.comps) argv.push('-g', paths.comps);
  const urls = [`file://${paths.premerge}/`];
  for (const repo of externalRepos) {
    if (repo.arches && !repo.arches.split(/\s+/).includes(arch)) continue;
    urls.push(repo.url.replaceAll('$arch', arch));
  }
  for (const url of urls) argv.push('-r', url);
  return argv;
}

function generic(message: string): TaskFailureError {
  return new TaskFailureError(FAULT.generic.code, FAULT.generic.name, message);
}
