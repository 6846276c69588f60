import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Builds a noarch SRPM whose `%build` prints a numbered line (`<name>: tick <i> of
 * <seconds>`) every second for `seconds` seconds (so that logs grow and log.chunk events flow while it runs), into
 * `<workDir>/reliability-fixtures/`; returns its work/-relative path for buildArch.
 */
export async function buildTickingSrpm(
  workDir: string,
  name: string,
  seconds: number,
  /** Extra lines of build output per tick (compiler-like chatter), for load. */
  chatterPerTick = 0,
): Promise<string> {
  const chatter =
    chatterPerTick > 0
      ? `for j in $(seq 1 ${chatterPerTick}); do echo "gcc -O2 -g -pipe -Wall -c -o obj/$i-$j.o src/$i-$j.c # ${name} line $j of tick $i"; done; `
      : '';
  return buildTestSrpm(workDir, name, [
    // printf, not echo: the shell's trace of it (rpmbuild runs %build with set -x) then
    // does not hold the tick line itself, so a log has each tick line exactly once.
    `for i in $(seq 1 ${seconds}); do printf '%%s: tick %%s of %%s\\n' "${name}" "$i" "${seconds}"; ${chatter}sleep 1; done`,
    `echo "${name}: done"`,
  ]);
}

/**
 * Builds a noarch SRPM with the given `%build` lines (run by rpmbuild in the buildroot)
 * into `<workDir>/reliability-fixtures/`; returns its work/-relative path for buildArch.
 */
export async function buildTestSrpm(workDir: string, name: string, buildLines: string[]): Promise<string> {
  const top = mkdtempSync(join(tmpdir(), 'kf-rel-srpm-'));
  const out = join(workDir, 'reliability-fixtures');
  mkdirSync(out, { recursive: true });
  try {
    mkdirSync(join(top, 'SPECS'), { recursive: true });
    mkdirSync(join(top, 'home'), { recursive: true });
    const file = join(top, 'SPECS', `${name}.spec`);
    writeFileSync(
      file,
      [
        `Name: ${name}`,
        'Version: 1.0',
        'Release: 1',
        'Summary: koji-farm reliability test package',
        'License: MIT',
        'BuildArch: noarch',
        '%description',
        'Test package.',
        '%build',
        ...buildLines,
        '%install',
        `mkdir -p %{buildroot}/usr/share/${name}`,
        `echo ok > %{buildroot}/usr/share/${name}/ok`,
        '%files',
        `/usr/share/${name}/ok`,
        '',
      ].join('\n'),
    );
    await run('rpmbuild', ['--define', `_topdir ${top}`, '--define', `_srcrpmdir ${out}`, '-bs', file], {
      env: { PATH: '/usr/bin:/bin', HOME: join(top, 'home') },
    });
    return `reliability-fixtures/${name}-1.0-1.src.rpm`;
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}
