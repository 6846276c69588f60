import { posix } from 'node:path';
import { type ScmPermission, type ScmUrl } from './scm-url';

/** kojid's git checkout of an SCM URL: the commands, where they run, and where the sources end up. */
export interface GitCheckout {
  /** The repository to clone (`git+https://` becomes `https://`). */
  repo: string;
  /** The clone (where `git rev-parse HEAD` runs). */
  checkoutDir: string;
  /** The clone, or the module inside it: where the spec file is. */
  sourcedir: string;
  clone: string[];
  /** `git fetch origin REV:KOJI_FETCH_HEAD`, `git reset --hard KOJI_FETCH_HEAD`. */
  update: string[][];
  /** When the update fails (a shortened ref): `git reset --hard REV`. */
  recovery: string[];
  /** The `common/` repository next to it, when the rule asks for it. */
  common: string[] | null;
  /**
   * The environment of every git command: with a password in the URL, the password in
   * SCM_PASSWORD_ENV and a credential helper that gives it to git (so that it is in no
   * command line, log or event); empty otherwise.
   */
  env: Record<string, string>;
}

/** The variable that carries an SCM URL's password to git's credential helper. */
export const SCM_PASSWORD_ENV = 'KOJI_FARM_SCM_PASSWORD';

/**
 * kojid's SCM.checkout for GIT and GIT+SSH, into `scmroot`. A password is not put in the
 * URL as kojid does: git asks the credential helper of `env` for it (http and https).
 */
export function gitCheckout(scm: ScmUrl, permission: ScmPermission, scmroot: string): GitCheckout {
  const scheme =
    scm.scmtype === 'GIT+SSH'
      ? 'git+ssh://'
      : scm.scheme.includes('+')
        ? `${scm.scheme.split('+')[1]}`
        : scm.scheme;
  const repo = scm.user
    ? `${scheme}${scm.user}@${scm.host}${scm.repository}`
    : `${scheme}${scm.host}${scm.repository}`;
  let checkoutPath = posix.basename(scm.repository);
  let common = `${posix.dirname(repo)}/common`;
  if (scm.repository.endsWith('/.git')) {
    checkoutPath = posix.basename(scm.repository.slice(0, -5));
    common = `${posix.dirname(repo.slice(0, -5))}/common/.git`;
  } else if (scm.repository.endsWith('.git')) {
    checkoutPath = posix.basename(scm.repository.slice(0, -4));
    common = `${posix.dirname(repo.slice(0, -4))}/common.git`;
  }
  const rev = scm.revision.startsWith('origin/') ? scm.revision.slice('origin/'.length) : scm.revision;
  const checkoutDir = `${scmroot}/${checkoutPath}`;
  return {
    repo,
    checkoutDir,
    sourcedir: scm.module ? `${checkoutDir}/${scm.module}` : checkoutDir,
    clone: ['git', 'clone', '-n', repo, checkoutDir],
    update: [
      ['git', 'fetch', 'origin', `${rev}:KOJI_FETCH_HEAD`],
      ['git', 'reset', '--hard', 'KOJI_FETCH_HEAD'],
    ],
    recovery: ['git', 'reset', '--hard', scm.revision],
    common: permission.useCommon ? ['git', 'clone', common, 'common'] : null,
    env: scm.password === null ? {} : credentialEnv(scm.password),
  };
}

/**
 * git's configuration through the environment (GIT_CONFIG_COUNT, git ≥ 2.31): a credential
 * helper that answers `get` with the password from SCM_PASSWORD_ENV (shell-expanded by
 * git at run time, so the value itself is only in the environment).
 */
function credentialEnv(password: string): Record<string, string> {
  return {
    [SCM_PASSWORD_ENV]: password,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'credential.helper',
    GIT_CONFIG_VALUE_0: `!f() { test "$1" = get && echo "password=$${SCM_PASSWORD_ENV}"; }; f`,
  };
}

/** kojid's `SCM.get_source`: the URL with the checked-out commit as its revision (no user). */
export function sourceWithCommit(scm: ScmUrl, commit: string): string {
  const scheme = scm.scheme.slice(0, -3);
  return `${scheme}://${scm.host}${scm.repository}${scm.module ? `?${scm.module}` : ''}#${commit}`;
}

/**
 * kojid's `spec_sanity_checks`: Packager, Distribution and Vendor are the build system's
 * to set. (kojid tests with `re.match`, which only looks at the start of the file; so do we.)
 */
export function specProblem(spec: string): string | null {
  for (const tag of ['Packager', 'Distribution', 'Vendor'])
    if (spec.startsWith(`${tag}:`)) return `${tag} is not allowed to be set in spec file`;
  for (const name of ['packager', 'distribution', 'vendor'])
    if (new RegExp(`^%define\\s+${name}\\s+`).test(spec))
      return `${name} is not allowed to be defined in spec file`;
  return null;
}
