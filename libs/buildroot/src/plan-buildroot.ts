import {
  BUILDROOT_MODE_EXTRA_KEY,
  type BuildrootFacts,
  type BuildrootMode,
  DEFAULT_HOST_BUILD_SETTINGS,
} from './buildroot-facts';
import { type BuildrootPlan, type PlannedCommand } from './buildroot-plan';
import { buildEnvironment } from './build-environment';
import { BuildrootConfigError } from './errors/buildroot-config.error';
import { chooseImage } from './image-policy';
import { BUILDDIR, buildrootMacros, macrosFile, TOPDIR } from './macros-file';
import { PACKAGE_LIST_QUERY_FORMAT } from './package-list';
import { KOJI_REPO_ID, REPO_FILE_DEST, repoFile, repoUrl } from './repo-file';
import { archName, fileName, groupName, httpUrl, singleLine, tagName } from './safe-values';
import { UnsafeBuildrootValueError } from './errors/unsafe-buildroot-value.error';

export const RESULT_DIR = `${BUILDDIR}/result`;
export const SRPM_DIR = `${BUILDDIR}/originals`;
/** Where a clean buildroot's root lies inside the bootstrap container (ADR 0079). */
export const CLEAN_ROOT = '/kf/root';

/** Repo states (Koji's REPO_STATES) a buildroot may use: READY, and EXPIRED (still intact). */
const USABLE_REPO_STATES = new Map([
  [1, 'READY'],
  [2, 'EXPIRED'],
]);
const REPO_STATE_NAMES = ['INIT', 'READY', 'EXPIRED', 'DELETED', 'PROBLEM'];

/**
 * Plans a buildroot from a task's hub facts, the way kojid's BuildRoot does with mock:
 * the repo of `repo_id` for the buildroot arch, the tag's `rpm.macro.*` and `rpm.env.*`,
 * kojid's fixed macros, the comps group installed from the tag's repo only, the package
 * list for `host.setBuildRootList`, then `rpmbuild --rebuild`. Pure: no I/O.
 * @throws BuildrootConfigError when the repo and tag do not fit (kojid's BuildrootError cases)
 * @throws UnsafeBuildrootValueError when a value would break the files or commands
 */
export function planBuildroot(facts: BuildrootFacts): BuildrootPlan {
  const config = facts.buildConfig;
  const tag = tagName(singleLine('tag name', config.name));
  const extra = config.extra ?? {};
  if (config.id !== facts.repo.tag_id) {
    throw new BuildrootConfigError(
      `tag/repo mismatch: repo ${facts.repo.id} belongs to tag ${facts.repo.tag_name ?? facts.repo.tag_id}, not ${tag}`,
    );
  }
  if (!USABLE_REPO_STATES.has(facts.repo.state)) {
    const state = REPO_STATE_NAMES[facts.repo.state] ?? String(facts.repo.state);
    throw new BuildrootConfigError(`Requested repo (${facts.repo.id}) is ${state}`);
  }
  const targetArch = archName('task arch', facts.arch);
  const buildrootArch = chooseBuildrootArch(targetArch, config.arches ?? null, facts.hostArches);
  const host = { ...DEFAULT_HOST_BUILD_SETTINGS, ...facts.host };
  const group = groupName(facts.group);
  const url = repoUrl(httpUrl('topurl', facts.topurl), tag, facts.repo.id, buildrootArch);
  const { image, source } = chooseImage(facts.image, {
    tagName: tag,
    arch: targetArch,
    method: facts.method,
    extra,
  });

  const mode = chooseMode(extra, facts.mode ?? 'clean');
  const root = mode === 'clean' ? CLEAN_ROOT : '/';
  const inRoot = (path: string) => (mode === 'clean' ? `${CLEAN_ROOT}${path}` : path);
  const srpmPath = `${SRPM_DIR}/${fileName('SRPM file name', facts.srpmFileName)}`;
  const buildRequires = (facts.buildRequires ?? []).map((r) => requirement(r));
  const initCommands = initCommandsFor(mode, group, buildRequires);
  const buildCommand: PlannedCommand = {
    name: 'rpmbuild --rebuild',
    purpose: 'build',
    argv: [
      'rpmbuild',
      '--rebuild',
      '--target',
      targetArch,
      '--define',
      `_topdir ${TOPDIR}`,
      '--define',
      `_rpmdir ${RESULT_DIR}`,
      srpmPath,
    ],
    network: 'none',
    log: 'build.log',
  };

  const macros = macrosFile(buildrootMacros(extra, host, buildrootArch));
  return {
    mode,
    root,
    buildRequires,
    image,
    imageSource: source,
    tag: { id: config.id, name: tag },
    repoId: facts.repo.id,
    buildrootArch,
    targetArch,
    repoUrl: url,
    repoFile: repoFile(url, tag, facts.repo.id, {
      moduleHotfixes: truthy(extra['mock.yum.module_hotfixes']),
      best: truthy(extra['mock.yum.best']),
    }),
    macrosFile: { content: macros.content, dest: inRoot(macros.dest) },
    srpmDest: inRoot(srpmPath),
    srpmPath,
    environment: buildEnvironment(extra),
    workdir: BUILDDIR,
    initCommands,
    buildCommand,
    resultDir: inRoot(RESULT_DIR),
  };
}

const PACKAGE_LIST: Omit<PlannedCommand, 'name' | 'purpose' | 'argv'> = { network: 'none', log: 'root.log' };

/** dnf as kojid's mock runs it: the tag's repo only, no weak deps, no cache kept. */
function dnf(mode: BuildrootMode, args: string[]): string[] {
  const root =
    mode === 'clean'
      ? [
          `--installroot=${CLEAN_ROOT}`,
          // With --installroot dnf would look for repo files inside the (empty) root.
          `--setopt=reposdir=${REPO_FILE_DEST.slice(0, REPO_FILE_DEST.lastIndexOf('/'))}`,
          // An empty root has no release to detect; the repo file uses no $releasever.
          '--releasever=koji',
        ]
      : [];
  return [
    'dnf',
    '--assumeyes',
    ...root,
    `--disablerepo=*`,
    `--enablerepo=${KOJI_REPO_ID}`,
    '--setopt=install_weak_deps=False',
    '--setopt=keepcache=False',
    '--setopt=retries=20',
    ...args,
  ];
}

/**
 * The commands that make the buildroot, in order. Clean: the group into an empty root,
 * its list, the BuildRequires, the list again, then the build directories inside the
 * root. Image: the build directories, the image's own list (the baseline), the group,
 * its list, the BuildRequires and the list again.
 */
function initCommandsFor(mode: BuildrootMode, group: string, buildRequires: string[]): PlannedCommand[] {
  const rootArgs = mode === 'clean' ? ['--root', CLEAN_ROOT] : [];
  const list = ['rpm', '-qa', ...rootArgs, '--qf', PACKAGE_LIST_QUERY_FORMAT];
  const prefix = mode === 'clean' ? CLEAN_ROOT : '';
  const mkdir: PlannedCommand = {
    name: 'mkdir /builddir',
    purpose: 'prepare',
    argv: [
      'mkdir',
      '-p',
      ...['BUILD', 'BUILDROOT', 'RPMS', 'SOURCES', 'SPECS', 'SRPMS'].map((d) => `${prefix}${TOPDIR}/${d}`),
      `${prefix}${RESULT_DIR}`,
      `${prefix}${SRPM_DIR}`,
    ],
    network: 'none',
    log: 'root.log',
  };
  const installGroup: PlannedCommand = {
    name: `install @${group}`,
    purpose: 'install-group',
    argv: dnf(mode, ['install', `@${group}`]),
    network: 'fetch',
    log: 'root.log',
  };
  const listPackages: PlannedCommand = {
    name: 'list installed packages',
    purpose: 'list-packages',
    argv: list,
    ...PACKAGE_LIST,
  };
  const requires: PlannedCommand[] =
    buildRequires.length === 0
      ? []
      : [
          {
            name: 'install BuildRequires',
            purpose: 'install-requires',
            argv: installRequires(mode, buildRequires),
            network: 'fetch',
            log: 'root.log',
          },
          {
            name: 'list packages after BuildRequires',
            purpose: 'list-requires',
            argv: list,
            ...PACKAGE_LIST,
          },
        ];
  // The build directories before the list: a snapshot committed after the list (ADR 0080) holds them.
  if (mode === 'clean') return [installGroup, mkdir, listPackages, ...requires];
  const baseline: PlannedCommand = {
    name: 'list image packages',
    purpose: 'list-baseline',
    argv: list,
    ...PACKAGE_LIST,
  };
  return [mkdir, baseline, installGroup, listPackages, ...requires];
}

/** What the BuildRequires command prints when the root already provides every BuildRequires. */
export const REQUIRES_ALREADY_INSTALLED = 'kf: every BuildRequires is already installed:';

/**
 * The BuildRequires install. When every requirement is a bare name (a package, a
 * provide or a file), `rpm -q --whatprovides` asks the root first and dnf runs only if
 * one is missing: a root started from a snapshot usually has them all, and dnf spends
 * most of its time loading the repo's metadata to find nothing to do. A versioned or
 * rich requirement always goes to dnf, which alone judges versions as mock's would.
 */
function installRequires(mode: BuildrootMode, buildRequires: string[]): string[] {
  const install = dnf(mode, ['install', ...buildRequires]);
  if (buildRequires.some((r) => /[\s()<>=]/.test(r))) return install;
  const rootArgs = mode === 'clean' ? ` --root ${CLEAN_ROOT}` : '';
  const script =
    `if rpm -q${rootArgs} --whatprovides -- "$@" >/dev/null 2>&1; ` +
    `then echo "${REQUIRES_ALREADY_INSTALLED} $*"; ` +
    `else exec ${install.slice(0, -buildRequires.length).map(shellQuote).join(' ')} "$@"; fi`;
  return ['/bin/sh', '-c', script, 'kf-install-requires', ...buildRequires];
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The tag's `extra['koji-farm.buildroot']` (clean or image) wins over the executor's mode. */
function chooseMode(extra: Readonly<Record<string, unknown>>, fallback: BuildrootMode): BuildrootMode {
  const value = extra[BUILDROOT_MODE_EXTRA_KEY];
  if (value === undefined || value === null || value === '') return fallback;
  if (value === 'clean' || value === 'image') return value;
  throw new BuildrootConfigError(
    `extra["${BUILDROOT_MODE_EXTRA_KEY}"] must be "clean" or "image", not ${JSON.stringify(value)}`,
  );
}

/** A BuildRequires as dnf takes it: one line, no option look-alike. */
function requirement(value: string): string {
  const line = singleLine('BuildRequires', value).trim();
  if (line === '' || line.startsWith('-'))
    throw new UnsafeBuildrootValueError('BuildRequires', `empty or an option: ${JSON.stringify(value)}`);
  return line;
}

/**
 * The arch the buildroot (and its repo) is for. A noarch task is built in the first of
 * the tag's arches that this executor runs natively (kojid's `find_arch`); other arches
 * are used as they are, x86 variants canonicalised like Koji's `canonArch`.
 */
export function chooseBuildrootArch(
  arch: string,
  tagArches: string | null,
  hostArches: readonly string[],
): string {
  if (arch !== 'noarch') return canonArch(arch);
  const tagList = (tagArches ?? '').split(/\s+/).filter(Boolean).map(canonArch);
  const hostList = hostArches.filter((a) => a !== 'noarch').map(canonArch);
  const match = tagList.find((a) => hostList.includes(a));
  if (!match) {
    throw new BuildrootConfigError(
      `No buildroot arch for a noarch task: tag arches [${tagList.join(' ')}], this executor runs [${hostList.join(' ')}]`,
    );
  }
  return archName('buildroot arch', match);
}

/** Koji's canonArch for the common cases: every 32-bit x86 flavour is i386. */
export function canonArch(arch: string): string {
  if (/^i[3-6]86$/.test(arch) || arch === 'athlon' || arch === 'geode') return 'i386';
  if (arch === 'amd64' || arch === 'ia32e') return 'x86_64';
  return arch;
}

function truthy(value: unknown): boolean {
  if (typeof value === 'string') return !['', '0', 'false', 'no', 'off'].includes(value.toLowerCase());
  return Boolean(value);
}
