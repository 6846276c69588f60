import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** work/-relative paths of the executor tests' own SRPMs. */
export interface ExtraSrpms {
  /** `%build` prints a line and sleeps 600 s: for cancel and shutdown tests. */
  sleepy: string;
  /** `%build` sleeps 4 s, then succeeds: long enough to kill an executor mid-build. */
  slow: string;
  /** `%build` prints its network interfaces and whether the hub's port answers, then succeeds. */
  netcheck: string;
  /** `%build` says what of the bootstrap and the machine it sees (clean buildroot tests). */
  probe: string;
}

function specs(hubPort: number): Record<keyof ExtraSrpms, { name: string; build: string }> {
  return {
    sleepy: { name: 'kf-sleepy', build: 'echo "kf-sleepy: building for a long time"\nsleep 600' },
    slow: { name: 'kf-slow', build: 'echo "kf-slow: building"\nsleep 4\necho "kf-slow: done"' },
    netcheck: {
      name: 'kf-netcheck',
      build: [
        // /proc/net/dev shows the network namespace of the process reading it.
        `echo "interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' ')"`,
        `if bash -c 'exec 3<>/dev/tcp/127.0.0.1/${hubPort}' 2>/dev/null; then echo "hub: reachable"; else echo "hub: unreachable"; fi`,
      ].join('\n'),
    },
    probe: {
      name: 'kf-probe',
      build: [
        'if [ -e /kf-bootstrap-only ]; then echo "bootstrap file: visible"; else echo "bootstrap file: absent"; fi',
        'if command -v dnf >/dev/null; then echo "dnf: visible"; else echo "dnf: absent"; fi',
        `echo "interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' ')"`,
        'test -r /proc/self/status && echo "proc: ok"',
        'test -c /dev/null && echo "dev: ok"',
        'echo x > /tmp/kf-probe && echo "tmp: ok"',
        'echo "cwd: $(pwd)"',
      ].join('\n'),
    },
  };
}

/**
 * Builds the SRPMs with the host's rpmbuild into `<workDir>/executor-fixtures/`.
 * `hubPort` is the simulator's port, which kf-netcheck tries to reach from its build.
 */
export async function buildExtraSrpms(workDir: string, hubPort: number): Promise<ExtraSrpms> {
  const SPECS = specs(hubPort);
  const top = mkdtempSync(join(tmpdir(), 'kf-exec-srpms-'));
  const out = join(workDir, 'executor-fixtures');
  mkdirSync(out, { recursive: true });
  try {
    mkdirSync(join(top, 'SPECS'), { recursive: true });
    mkdirSync(join(top, 'home'), { recursive: true });
    const result: Partial<ExtraSrpms> = {};
    for (const [key, spec] of Object.entries(SPECS) as Array<
      [keyof ExtraSrpms, (typeof SPECS)[keyof ExtraSrpms]]
    >) {
      const file = join(top, 'SPECS', `${spec.name}.spec`);
      writeFileSync(
        file,
        [
          `Name: ${spec.name}`,
          'Version: 1.0',
          'Release: 1',
          'Summary: koji-farm executor test package',
          'License: MIT',
          'BuildArch: noarch',
          '%description',
          'Test package.',
          '%build',
          spec.build,
          '%install',
          'mkdir -p %{buildroot}/usr/share/' + spec.name,
          'echo ok > %{buildroot}/usr/share/' + spec.name + '/ok',
          '%files',
          '/usr/share/' + spec.name + '/ok',
          '',
        ].join('\n'),
      );
      await run('rpmbuild', ['--define', `_topdir ${top}`, '--define', `_srcrpmdir ${out}`, '-bs', file], {
        env: { PATH: '/usr/bin:/bin', HOME: join(top, 'home') },
      });
      result[key] = `executor-fixtures/${spec.name}-1.0-1.src.rpm`;
    }
    return result as ExtraSrpms;
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}
