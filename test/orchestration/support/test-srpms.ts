import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPackage {
  name: string;
  release?: string;
  /** The spec's `BuildArch:` (e.g. noarch). */
  buildArch?: string;
  /** The spec's `ExclusiveArch:`. */
  exclusiveArch?: string;
  /** Shell lines of `%build`. */
  build: string;
}

/**
 * Makes a source RPM with the host's rpmbuild (`-bs`) into `outDir` and returns its path.
 * Tests give each package a unique release, so that they can also run on a real hub,
 * which keeps every build it ever made.
 */
export async function makeSrpm(outDir: string, pkg: TestPackage): Promise<string> {
  return (await rpmbuild(outDir, pkg, false)).srpm;
}

/** Builds the package on this host (`-ba`): its SRPM and its one binary RPM (give it `buildArch: 'noarch'`). */
export function makeRpms(outDir: string, pkg: TestPackage): Promise<{ srpm: string; rpm: string }> {
  return rpmbuild(outDir, pkg, true) as Promise<{ srpm: string; rpm: string }>;
}

async function rpmbuild(
  outDir: string,
  pkg: TestPackage,
  binary: boolean,
): Promise<{ srpm: string; rpm?: string }> {
  const top = mkdtempSync(join(tmpdir(), 'kf-test-srpm-'));
  mkdirSync(outDir, { recursive: true });
  try {
    mkdirSync(join(top, 'home'), { recursive: true });
    const spec = join(top, `${pkg.name}.spec`);
    writeFileSync(
      spec,
      [
        `Name: ${pkg.name}`,
        'Version: 1.0',
        `Release: ${pkg.release ?? '1'}`,
        'Summary: koji-farm orchestration test package',
        'License: MIT',
        ...(pkg.buildArch ? [`BuildArch: ${pkg.buildArch}`] : []),
        ...(pkg.exclusiveArch ? [`ExclusiveArch: ${pkg.exclusiveArch}`] : []),
        '%description',
        'Test package.',
        '%build',
        pkg.build,
        '%install',
        `mkdir -p %{buildroot}/usr/share/${pkg.name}`,
        `echo ok > %{buildroot}/usr/share/${pkg.name}/ok`,
        '%files',
        `/usr/share/${pkg.name}/ok`,
        '',
      ].join('\n'),
    );
    const before = new Set(readdirSync(outDir));
    const rpmdir = join(top, 'RPMS');
    await run(
      'rpmbuild',
      [
        '--define',
        `_topdir ${top}`,
        '--define',
        `_srcrpmdir ${outDir}`,
        '--define',
        `_rpmdir ${rpmdir}`,
        '--define',
        '_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
        binary ? '-ba' : '-bs',
        spec,
      ],
      { env: { PATH: '/usr/bin:/bin', HOME: join(top, 'home') } },
    );
    const made = readdirSync(outDir).find((f) => !before.has(f) && f.startsWith(`${pkg.name}-`));
    if (!made) throw new Error(`rpmbuild made no SRPM for ${pkg.name}`);
    if (!binary) return { srpm: join(outDir, made) };
    const rpm = readdirSync(rpmdir)[0];
    copyFileSync(join(rpmdir, rpm), join(outDir, rpm));
    return { srpm: join(outDir, made), rpm: join(outDir, rpm) };
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}
