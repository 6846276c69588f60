import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import type { HubSimulator } from '../hub-simulator';

const run = promisify(execFile);
const FIXTURES_SCRIPT = resolve(__dirname, '../../fixtures/build-fixtures.sh');

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
}

export interface SeedResult {
  buildTag: string;
  destTag: string;
  target: string;
  repoId: number;
  /** work/-relative paths of the sample SRPMs, as a buildArch task names them. */
  srpms: { hello: string; broken: string };
  fixturesDir: string;
}

/** Runs test/fixtures/build-fixtures.sh (cached) and returns its output directory. */
export async function buildFixtures(fixturesRoot?: string): Promise<string> {
  const { stdout } = await run('bash', [FIXTURES_SCRIPT, ...(fixturesRoot ? [fixturesRoot] : [])]);
  return stdout.trim().split('\n').at(-1)!;
}

/**
 * Seeds a fresh simulator: tags `f40-build` (x86_64, `rpm.macro.dist: .kf1`) and `f40`,
 * target `f40-candidate`, build groups `build` and `srpm-build` with the fixture RPMs,
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
  const groupPkgs = ['kf-buildsys', 'kf-build-macros'];
  for (const group of ['build', 'srpm-build'])
    admin.addGroupPackages({ tag: buildTag, group, packages: groupPkgs });
  for (const name of groupPkgs) {
    admin.importBuild({
      paths: [
        join(fixturesDir, 'srpms', `${name}-1.0-1.src.rpm`),
        join(fixturesDir, 'rpms', `${name}-1.0-1.noarch.rpm`),
      ],
      tag: buildTag,
    });
  }
  for (const name of ['kf-hello', 'kf-broken']) admin.addPackage({ tag: destTag, package: name });
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
    srpms: { hello: 'sim-fixtures/kf-hello-1.0-1.src.rpm', broken: 'sim-fixtures/kf-broken-1.0-1.src.rpm' },
    fixturesDir,
  };
}
