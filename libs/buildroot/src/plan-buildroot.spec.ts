import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildrootFacts } from './buildroot-facts';
import { BuildrootConfigError } from './errors/buildroot-config.error';
import { UnsafeBuildrootValueError } from './errors/unsafe-buildroot-value.error';
import {
  canonArch,
  chooseBuildrootArch,
  CLEAN_ROOT,
  planBuildroot,
  REQUIRES_ALREADY_INSTALLED,
} from './plan-buildroot';
import { buildArgv } from './root-command';

function facts(patch: Partial<BuildrootFacts> = {}): BuildrootFacts {
  return {
    method: 'buildArch',
    arch: 'x86_64',
    buildConfig: { id: 3, name: 'f40-build', arches: 'x86_64 aarch64', extra: {} },
    repo: { id: 7, tag_id: 3, tag_name: 'f40-build', state: 1, create_event: 100 },
    topurl: 'http://127.0.0.1:8000/kojifiles/',
    group: 'build',
    srpmFileName: 'kf-hello-1.0-1.src.rpm',
    hostArches: ['x86_64', 'noarch'],
    image: { defaultImage: 'localhost/koji-farm-buildroot:bookworm' },
    mode: 'image',
    ...patch,
  };
}

function macroLines(content: string): string[] {
  return content.split('\n').filter((l) => l.startsWith('%'));
}

describe(planBuildroot.name, () => {
  it('points the repo file at <topurl>/repos/<tag>/<repo_id>/<arch>', () => {
    const sut = planBuildroot(facts());
    expect(sut.repoUrl).toBe('http://127.0.0.1:8000/kojifiles/repos/f40-build/7/x86_64');
    expect(sut.repoFile.dest).toBe('/etc/yum.repos.d/koji.repo');
    expect(sut.repoFile.content).toContain('[koji]\n');
    expect(sut.repoFile.content).toContain(
      'baseurl=http://127.0.0.1:8000/kojifiles/repos/f40-build/7/x86_64\n',
    );
    expect(sut.repoFile.content).toContain('gpgcheck=0\n');
    expect(sut.repoFile.content).not.toContain('module_hotfixes');
  });

  it("writes kojid's fixed macros and the host's vendor, packager and distribution", () => {
    const sut = planBuildroot(facts({ host: { vendor: 'Acme', packager: 'Acme Builders' } }));
    expect(sut.macrosFile.dest).toBe('/etc/rpm/macros.koji');
    expect(macroLines(sut.macrosFile.content)).toEqual([
      '%_host x86_64-koji-linux-gnu',
      '%_host_cpu x86_64',
      '%_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      '%_topdir /builddir/build',
      '%distribution Koji',
      '%packager Acme Builders',
      '%vendor Acme',
    ]);
  });

  it('adds rpm.macro.* of extra, which override the defaults but never the fixed macros', () => {
    const extra = {
      'rpm.macro.dist': '.fc40',
      'rpm.macro.vendor': 'Fedora Project',
      'rpm.macro._topdir': '/tmp/evil',
      'rpm.macro._host_cpu': 'sparc',
      'rpm.macro.with_tests': 1,
      'rpm.macro.bootstrap': false,
      'other.key': 'ignored',
    };
    const sut = planBuildroot(facts({ buildConfig: { id: 3, name: 'f40-build', arches: 'x86_64', extra } }));
    const lines = macroLines(sut.macrosFile.content);
    expect(lines).toContain('%dist .fc40');
    expect(lines).toContain('%vendor Fedora Project');
    expect(lines).toContain('%_topdir /builddir/build');
    expect(lines).toContain('%_host_cpu x86_64');
    expect(lines).toContain('%with_tests 1');
    expect(lines).toContain('%bootstrap False');
    expect(sut.macrosFile.content).not.toContain('ignored');
    expect(sut.macrosFile.content).not.toContain('/tmp/evil');
  });

  it('uses the inherited extra the hub returns from getBuildConfig, macros, environment and image alike', () => {
    // getBuildConfig merges extra along the inheritance chain: a key set on a parent tag
    // arrives here as if set on the build tag, and a child's value replaces the parent's.
    const inherited = {
      'rpm.macro.dist': '.el9_child',
      'rpm.env.LANG': 'C.UTF-8',
      'koji-farm.image': 'localhost/el9-buildroot:1',
    };
    const sut = planBuildroot(
      facts({ buildConfig: { id: 3, name: 'el9-build', arches: 'x86_64', extra: inherited } }),
    );
    expect(macroLines(sut.macrosFile.content)).toContain('%dist .el9_child');
    expect(sut.environment).toEqual({ LANG: 'C.UTF-8', HOME: '/builddir' });
    expect(sut.image).toBe('localhost/el9-buildroot:1');
    expect(sut.imageSource).toBe('tag-extra');
  });

  it('takes rpm.env.* into the environment but keeps HOME on the buildroot home', () => {
    const sut = planBuildroot(
      facts({
        buildConfig: {
          id: 3,
          name: 'f40-build',
          extra: { 'rpm.env.TZ': 'UTC', 'rpm.env.HOME': '/root', 'rpm.env.N': 4 },
        },
      }),
    );
    expect(sut.environment).toEqual({ TZ: 'UTC', N: '4', HOME: '/builddir' });
  });

  it('maps module_hotfixes and best from the mock.yum keys into the repo file', () => {
    const extra = { 'mock.yum.module_hotfixes': 1, 'mock.yum.best': true };
    const sut = planBuildroot(facts({ buildConfig: { id: 3, name: 'f40-build', extra } }));
    expect(sut.repoFile.content).toContain('module_hotfixes=1\n');
    expect(sut.repoFile.content).toContain('best=1\n');
  });

  describe('clean mode', () => {
    it('installs the group and then the BuildRequires into a root of their own and builds there', () => {
      const sut = planBuildroot(facts({ mode: 'clean', buildRequires: ['kf-devdep', 'zlib-devel >= 1.2'] }));
      expect(sut.mode).toBe('clean');
      expect(sut.root).toBe(CLEAN_ROOT);
      expect(sut.initCommands.map((c) => c.purpose)).toEqual([
        'install-group',
        'prepare',
        'list-packages',
        'install-requires',
        'list-requires',
      ]);
      const [group, mkdir, list, requires] = sut.initCommands;
      expect(group.argv).toEqual(
        expect.arrayContaining([
          `--installroot=${CLEAN_ROOT}`,
          '--setopt=reposdir=/etc/yum.repos.d',
          '--disablerepo=*',
          '--enablerepo=koji',
          'install',
          '@build',
        ]),
      );
      expect(list.argv.slice(0, 4)).toEqual(['rpm', '-qa', '--root', CLEAN_ROOT]);
      expect(requires.argv.slice(-3)).toEqual(['install', 'kf-devdep', 'zlib-devel >= 1.2']);
      expect(requires.network).toBe('fetch');
      expect(mkdir.argv).toEqual(expect.arrayContaining([`${CLEAN_ROOT}/builddir/build/SOURCES`]));
      // files are copied under the root; the build names them as the root sees them
      expect(sut.macrosFile.dest).toBe(`${CLEAN_ROOT}/etc/rpm/macros.koji`);
      expect(sut.srpmDest).toBe(`${CLEAN_ROOT}/builddir/originals/kf-hello-1.0-1.src.rpm`);
      expect(sut.resultDir).toBe(`${CLEAN_ROOT}/builddir/result`);
      expect(sut.buildCommand.argv.at(-1)).toBe('/builddir/originals/kf-hello-1.0-1.src.rpm');
      expect(sut.repoFile.dest).toBe('/etc/yum.repos.d/koji.repo');
    });

    it('asks the root for bare-name BuildRequires first and runs dnf only when one is missing', () => {
      const sut = planBuildroot(
        facts({ mode: 'clean', buildRequires: ['kf-devdep', 'gcc-c++', '/usr/bin/m4'] }),
      );
      const requires = sut.initCommands.find((c) => c.purpose === 'install-requires')!;
      expect(requires.argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
      expect(requires.argv.slice(-3)).toEqual(['kf-devdep', 'gcc-c++', '/usr/bin/m4']);
      // Run the script with an rpm and a dnf that record their arguments.
      const bin = mkdtempSync(join(tmpdir(), 'kf-requires-'));
      try {
        const tool = (name: string, status: string) => {
          writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${bin}/calls\nexit ${status}\n`);
          chmodSync(join(bin, name), 0o755);
        };
        const runScript = () =>
          execFileSync(requires.argv[0], requires.argv.slice(1), {
            env: { PATH: `${bin}:/usr/bin:/bin` },
            encoding: 'utf8',
          });
        const calls = () => readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n');

        tool('rpm', '0');
        tool('dnf', '0');
        expect(runScript()).toContain(`${REQUIRES_ALREADY_INSTALLED} kf-devdep gcc-c++ /usr/bin/m4`);
        expect(calls()).toEqual([
          `rpm -q --root ${CLEAN_ROOT} --whatprovides -- kf-devdep gcc-c++ /usr/bin/m4`,
        ]);

        rmSync(join(bin, 'calls'));
        tool('rpm', '1');
        expect(runScript()).not.toContain(REQUIRES_ALREADY_INSTALLED);
        const dnfCall = calls()[1];
        expect(dnfCall).toMatch(
          /^dnf --assumeyes --installroot=\/kf\/root .*--disablerepo=\* --enablerepo=koji .*install kf-devdep gcc-c\+\+ \/usr\/bin\/m4$/,
        );
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
    });

    it('is the default, and the tag extra picks the mode over the executor', () => {
      expect(planBuildroot(facts({ mode: undefined })).mode).toBe('clean');
      const extra = (mode: unknown) => ({
        buildConfig: { id: 3, name: 'f40-build', arches: 'x86_64', extra: { 'koji-farm.buildroot': mode } },
      });
      expect(planBuildroot(facts({ mode: 'clean', ...extra('image') })).mode).toBe('image');
      expect(planBuildroot(facts({ mode: 'image', ...extra('clean') })).mode).toBe('clean');
      expect(() => planBuildroot(facts(extra('chroot')))).toThrow(BuildrootConfigError);
    });

    it('refuses a BuildRequires that would read as an option or break the line', () => {
      expect(() => planBuildroot(facts({ buildRequires: ['--nogpgcheck'] }))).toThrow(
        UnsafeBuildrootValueError,
      );
      expect(() => planBuildroot(facts({ buildRequires: ['a\nb'] }))).toThrow(UnsafeBuildrootValueError);
    });

    it('runs the build chrooted in the root, in namespaces of its own', () => {
      const sut = planBuildroot(facts({ mode: 'clean' }));
      const argv = buildArgv(sut, ['rpmbuild', '-ba', 'x.spec'], { isolateNetwork: true });
      expect(argv.slice(0, 6)).toEqual(['unshare', '--user', '--map-root-user', '--mount', '--net', '--']);
      expect(argv.slice(-4)).toEqual([CLEAN_ROOT, 'rpmbuild', '-ba', 'x.spec']);
      expect(buildArgv(sut, ['true'], { isolateNetwork: false })).not.toContain('--net');
      expect(buildArgv({ mode: 'image', root: '/' }, ['true'], { isolateNetwork: false })).toEqual(['true']);
    });
  });

  it('installs the group from the koji repo only, lists packages, then rebuilds with the defines', () => {
    const sut = planBuildroot(facts({ group: 'srpm-build' }));
    expect(sut.initCommands.map((c) => c.purpose)).toEqual([
      'prepare',
      'list-baseline',
      'install-group',
      'list-packages',
    ]);
    const install = sut.initCommands[2];
    expect(install.argv).toEqual(
      expect.arrayContaining(['--disablerepo=*', '--enablerepo=koji', '@srpm-build']),
    );
    expect(install.network).toBe('fetch');
    expect(sut.initCommands.filter((c) => c.network === 'fetch')).toHaveLength(1);
    expect(sut.initCommands[0].argv).toEqual(
      expect.arrayContaining(['/builddir/build/SOURCES', '/builddir/result']),
    );
    expect(sut.srpmDest).toBe('/builddir/originals/kf-hello-1.0-1.src.rpm');
    expect(sut.buildCommand).toEqual({
      name: 'rpmbuild --rebuild',
      purpose: 'build',
      argv: [
        'rpmbuild',
        '--rebuild',
        '--target',
        'x86_64',
        '--define',
        '_topdir /builddir/build',
        '--define',
        '_rpmdir /builddir/result',
        '/builddir/originals/kf-hello-1.0-1.src.rpm',
      ],
      network: 'none',
      log: 'build.log',
    });
    expect(sut.resultDir).toBe('/builddir/result');
    expect(sut.initCommands.every((c) => c.log === 'root.log')).toBe(true);
  });

  describe('arches', () => {
    it('builds noarch in the first tag arch this executor runs, targeting noarch', () => {
      const sut = planBuildroot(
        facts({
          arch: 'noarch',
          buildConfig: { id: 3, name: 'f40-build', arches: 'aarch64 x86_64', extra: {} },
        }),
      );
      expect(sut.buildrootArch).toBe('x86_64');
      expect(sut.targetArch).toBe('noarch');
      expect(sut.repoUrl.endsWith('/7/x86_64')).toBe(true);
      expect(macroLines(sut.macrosFile.content)).toContain('%_host_cpu x86_64');
      expect(sut.buildCommand.argv.slice(2, 4)).toEqual(['--target', 'noarch']);
    });

    it('refuses a noarch task when no tag arch runs here', () => {
      expect(() =>
        planBuildroot(
          facts({ arch: 'noarch', buildConfig: { id: 3, name: 'f40-build', arches: 's390x', extra: {} } }),
        ),
      ).toThrow(BuildrootConfigError);
    });

    it('canonicalises 32-bit x86 arches for the repo but targets the task arch', () => {
      const sut = planBuildroot(facts({ arch: 'i686' }));
      expect(sut.buildrootArch).toBe('i386');
      expect(sut.repoUrl.endsWith('/7/i386')).toBe(true);
      expect(sut.buildCommand.argv[3]).toBe('i686');
      expect(canonArch('aarch64')).toBe('aarch64');
      expect(chooseBuildrootArch('noarch', 'i686 x86_64', ['i386'])).toBe('i386');
    });
  });

  describe('refuses unsafe values', () => {
    it.each([
      [
        'a macro value with a newline',
        { 'rpm.macro.dist': '.fc40\n%_topdir /tmp' },
        'extra["rpm.macro.dist"]',
      ],
      ['a macro value with a carriage return', { 'rpm.macro.dist': '.fc40\r' }, 'extra["rpm.macro.dist"]'],
      ['a macro value ending in a backslash', { 'rpm.macro.x': 'a\\' }, 'extra["rpm.macro.x"]'],
      ['a macro name with a parameter', { 'rpm.macro.foo(x)': '1' }, 'extra["rpm.macro.foo(x)"]'],
      ['a macro value that is a list', { 'rpm.macro.list': ['a'] }, 'extra["rpm.macro.list"]'],
      ['an env name with "="', { 'rpm.env.A=B': '1' }, 'extra["rpm.env.A=B"]'],
      ['an env value with NUL', { 'rpm.env.A': 'x\0y' }, 'extra["rpm.env.A"]'],
    ])('%s', (_label, extra, field) => {
      const attempt = () => planBuildroot(facts({ buildConfig: { id: 3, name: 'f40-build', extra } }));
      expect(attempt).toThrow(UnsafeBuildrootValueError);
      expect(attempt).toThrow(field);
    });

    it.each([
      ['a tag name with "/"', 'f40/../../etc'],
      ['a tag name with a newline', 'f40\nbaseurl=http://evil'],
      ['a tag name with a space', 'f40 build'],
    ])('%s', (_label, name) => {
      const attempt = () =>
        planBuildroot(
          facts({ buildConfig: { id: 3, name, extra: {} }, repo: { id: 7, tag_id: 3, state: 1 } }),
        );
      expect(attempt).toThrow(UnsafeBuildrootValueError);
      expect(attempt).toThrow('tag name');
    });

    it('a topurl that is not http(s) or holds a newline', () => {
      expect(() => planBuildroot(facts({ topurl: 'file:///etc' }))).toThrow(/topurl/);
      expect(() => planBuildroot(facts({ topurl: 'http://x/\n[evil]' }))).toThrow(UnsafeBuildrootValueError);
    });

    it('an SRPM name with a directory, a bad group and a bad vendor', () => {
      expect(() => planBuildroot(facts({ srpmFileName: '../x.src.rpm' }))).toThrow(/SRPM file name/);
      expect(() => planBuildroot(facts({ group: 'build; rm -rf /' }))).toThrow(/group/);
      expect(() => planBuildroot(facts({ host: { vendor: 'A\nB' } }))).toThrow(/vendor/);
    });
  });

  describe('refuses a repo that does not fit', () => {
    it('belongs to another tag', () => {
      expect(() => planBuildroot(facts({ repo: { id: 7, tag_id: 4, tag_name: 'other', state: 1 } }))).toThrow(
        /tag\/repo mismatch/,
      );
    });

    it.each([
      [0, 'INIT'],
      [3, 'DELETED'],
      [4, 'PROBLEM'],
    ])('is in state %i', (state, name) => {
      expect(() => planBuildroot(facts({ repo: { id: 7, tag_id: 3, state } }))).toThrow(
        `Requested repo (7) is ${name}`,
      );
    });

    it('accepts an EXPIRED repo like kojid', () => {
      expect(planBuildroot(facts({ repo: { id: 7, tag_id: 3, state: 2 } })).repoId).toBe(7);
    });
  });
});
