import { type BuildrootFacts, DEFAULT_HOST_BUILD_SETTINGS } from './buildroot-facts';
import { type BuildrootPlan, type PlannedCommand } from './buildroot-plan';
import { buildEnvironment } from './build-environment';
import { BuildrootConfigError } from './errors/buildroot-config.error';
import { chooseImage } from './image-policy';
import { BUILDDIR, buildrootMacros, macrosFile, TOPDIR } from './macros-file';
import { PACKAGE_LIST_QUERY_FORMAT } from './package-list';
import { KOJI_REPO_ID, repoFile, repoUrl } from './repo-file';
import { archName, fileName, groupName, httpUrl, singleLine, tagName } from './safe-values';

export const RESULT_DIR = `${BUILDDIR}/result`;
export const SRPM_DIR = `${BUILDDIR}/originals`;

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
  const srpmDest = `${SRPM_DIR}/${fileName('SRPM file name', facts.srpmFileName)}`;
  const url = repoUrl(httpUrl('topurl', facts.topurl), tag, facts.repo.id, buildrootArch);
  const { image, source } = chooseImage(facts.image, {
    tagName: tag,
    arch: targetArch,
    method: facts.method,
    extra,
  });

  const initCommands: PlannedCommand[] = [
    {
      name: 'mkdir /builddir',
      purpose: 'prepare',
      argv: [
        'mkdir',
        '-p',
        ...['BUILD', 'BUILDROOT', 'RPMS', 'SOURCES', 'SPECS', 'SRPMS'].map((d) => `${TOPDIR}/${d}`),
        RESULT_DIR,
      ],
      network: 'none',
      log: 'root.log',
    },
    {
      name: 'list image packages',
      purpose: 'list-baseline',
      argv: ['rpm', '-qa', '--qf', PACKAGE_LIST_QUERY_FORMAT],
      network: 'none',
      log: 'root.log',
    },
    {
      name: `install @${group}`,
      purpose: 'install-group',
      argv: [
        'dnf',
        '--assumeyes',
        `--disablerepo=*`,
        `--enablerepo=${KOJI_REPO_ID}`,
        '--setopt=install_weak_deps=False',
        '--setopt=keepcache=False',
        '--setopt=retries=20',
        'install',
        `@${group}`,
      ],
      network: 'fetch',
      log: 'root.log',
    },
    {
      name: 'list installed packages',
      purpose: 'list-packages',
      argv: ['rpm', '-qa', '--qf', PACKAGE_LIST_QUERY_FORMAT],
      network: 'none',
      log: 'root.log',
    },
  ];
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
      srpmDest,
    ],
    network: 'none',
    log: 'build.log',
  };

  return {
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
    macrosFile: macrosFile(buildrootMacros(extra, host, buildrootArch)),
    srpmDest,
    environment: buildEnvironment(extra),
    workdir: BUILDDIR,
    initCommands,
    buildCommand,
    resultDir: RESULT_DIR,
  };
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
