import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import type { HubSimulator } from '../hub-simulator';

const run = promisify(execFile);
const FIXTURES_SCRIPT = resolve(__dirname, '../../fixtures/build-fixtures.sh');
const DISTRIBUTION_SCRIPT = resolve(__dirname, '../../fixtures/build-distribution.sh');

export interface SeedOptions {
  /** Where build-fixtures.sh caches its output (default <repo>/.tmp/fixtures). */
  fixturesDir?: string;
  buildTag?: string;
  destTag?: string;
  target?: string;
  arches?: string;
  extra?: KojiStruct;
  /** Users made by the seed; null skips one. */
  admin?: { name: string; password: string } | null;
  host?: { name: string; password: string; arches: string; capacity?: number } | null;
  /**
   * What the `build` and `srpm-build` groups hold. `rootfs` (the default): kf-rootfs (a
   * root file system of real Debian packages, build-distribution.sh) plus the markers, a
   * self-contained buildroot for clean buildroots (ADR 0079). `markers`: the two small
   * marker packages only, for image-mode tests where the image is the buildroot and a
   * 230 MB group install would only cost time.
   */
  distribution?: 'rootfs' | 'markers';
}

export interface SeedResult {
  buildTag: string;
  destTag: string;
  target: string;
  repoId: number;
  /** work/-relative paths of the sample SRPMs, as a buildArch task names them. */
  srpms: { hello: string; broken: string; needsDevdep: string; unmet: string };
  fixturesDir: string;
  /** build-distribution.sh's output when the groups hold kf-rootfs. */
  distributionDir?: string;
}

/** Runs test/fixtures/build-fixtures.sh (cached) and returns its output directory. */
export async function buildFixtures(fixturesRoot?: string): Promise<string> {
  const { stdout } = await run('bash', [FIXTURES_SCRIPT, ...(fixturesRoot ? [fixturesRoot] : [])]);
  return stdout.trim().split('\n').at(-1)!;
}

/** Runs test/fixtures/build-distribution.sh (cached; needs Podman and the buildroot image). */
export async function buildDistribution(fixturesRoot?: string): Promise<string> {
  const { stdout } = await run('bash', [DISTRIBUTION_SCRIPT, ...(fixturesRoot ? [fixturesRoot] : [])], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split('\n').at(-1)!;
}

/**
 * Seeds a fresh simulator: tags `f40-build` (x86_64, `rpm.macro.dist: .kf1`) and `f40`,
 * target `f40-candidate`, build groups `build` and `srpm-build` with kf-rootfs and the marker RPMs (or
 * the markers only), kf-devdep tagged outside the groups,
 * a READY repo made with createrepo_c, the sample SRPMs under work/sim-fixtures/,
 * an admin user and a build host.
 */
export async function seedHub(sim: HubSimulator, o: SeedOptions = {}): Promise<SeedResult> {
  const fixturesDir = await buildFixtures(o.fixturesDir);
  const buildTag = o.buildTag ?? 'f40-build';
  const destTag = o.destTag ?? 'f40';
  const target = o.target ?? 'f40-candidate';
  const admin = sim.admin;
  const adminUser = o.admin === undefined ? { name: 'kojiadmin', password: 'kojiadmin' } : o.admin;
  if (adminUser) admin.addUser({ ...adminUser, perms: ['admin'] });
  const host =
    o.host === undefined ? { name: 'kf-builder', password: 'kf-builder', arches: 'x86_64' } : o.host;
  if (host) admin.addHost({ ...host, channels: ['default', 'createrepo'], capacity: host.capacity ?? 10 });
  admin.addTag({ name: destTag });
  admin.addTag({
    name: buildTag,
    arches: o.arches ?? 'x86_64',
    parents: [destTag],
    extra: { 'rpm.macro.dist': '.kf1', 'rpm.macro.vendor': 'koji-farm', ...o.extra },
  });
  admin.addTarget({ name: target, buildTag, destTag });
  const markers = ['kf-buildsys', 'kf-build-macros'];
  const distributionDir = o.distribution === 'markers' ? undefined : await buildDistribution(o.fixturesDir);
  const groupPkgs = distributionDir ? ['kf-rootfs', ...markers] : markers;
  for (const group of ['build', 'srpm-build'])
    admin.addGroupPackages({ tag: buildTag, group, packages: groupPkgs });
  for (const name of [...markers, 'kf-devdep']) {
    admin.importBuild({
      paths: [
        join(fixturesDir, 'srpms', `${name}-1.0-1.src.rpm`),
        join(fixturesDir, 'rpms', `${name}-1.0-1.noarch.rpm`),
      ],
      tag: buildTag,
    });
  }
  if (distributionDir) {
    admin.importBuild({
      paths: [
        join(distributionDir, 'srpms', 'kf-rootfs-1.0-1.src.rpm'),
        join(distributionDir, 'rpms', 'kf-rootfs-1.0-1.x86_64.rpm'),
      ],
      tag: buildTag,
    });
  }
  for (const name of ['kf-hello', 'kf-broken', 'kf-needs-devdep', 'kf-unmet'])
    admin.addPackage({ tag: destTag, package: name });
  const dest = join(sim.dir, 'work', 'sim-fixtures');
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(join(fixturesDir, 'srpms')))
    copyFileSync(join(fixturesDir, 'srpms', f), join(dest, f));
  const { repoId } = await admin.createRepo({ tag: buildTag });
  return {
    buildTag,
    destTag,
    target,
    repoId,
    srpms: {
      hello: 'sim-fixtures/kf-hello-1.0-1.src.rpm',
      broken: 'sim-fixtures/kf-broken-1.0-1.src.rpm',
      needsDevdep: 'sim-fixtures/kf-needs-devdep-1.0-1.src.rpm',
      unmet: 'sim-fixtures/kf-unmet-1.0-1.src.rpm',
    },
    fixturesDir,
    distributionDir,
  };
}
