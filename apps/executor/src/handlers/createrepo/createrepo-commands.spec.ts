import { createrepoArgv, mergerepoArgv, parseMergerepoVersion } from './createrepo-commands';

const paths = {
  repodir: '/koji/repos/t/5/x86_64',
  comps: '/koji/repos/t/5/groups/comps.xml',
  outdir: '/builddir/out',
};

describe(createrepoArgv.name, () => {
  it('indexes the package list with the groups, as kojid does', () => {
    expect(createrepoArgv(paths, true, false)).toEqual([
      'createrepo_c',
      '--error-exit-val',
      '-vd',
      '-o',
      '/builddir/out',
      '-i',
      '/koji/repos/t/5/x86_64/pkglist',
      '-g',
      '/koji/repos/t/5/groups/comps.xml',
      '/koji/repos/t/5/x86_64',
    ]);
  });

  it('updates from old repodata, and makes an empty repo of the output directory when there are no packages', () => {
    expect(createrepoArgv(paths, true, true)).toContain('--update');
    expect(createrepoArgv({ ...paths, comps: null }, false, true)).toEqual([
      'createrepo_c',
      '--error-exit-val',
      '-vd',
      '-o',
      '/builddir/out',
      '/builddir/out',
    ]);
  });
});

describe(mergerepoArgv.name, () => {
  const merge = { ...paths, premerge: '/builddir/premerge' };
  const repo = (url: string, extra: Record<string, string | null> = {}) => ({
    url,
    merge_mode: 'koji',
    arches: null,
    ...extra,
  });

  it('merges the local repo first, then the external repos for this arch, in koji mode with the blocklist', () => {
    const argv = mergerepoArgv(
      [
        repo('http://x/$arch/'),
        repo('http://y/', { arches: 'aarch64' }),
        repo('http://z/', { arches: 'x86_64 i686' }),
      ],
      'x86_64',
      merge,
      [0, 17, 3],
    );
    expect(argv).toEqual([
      'mergerepo_c',
      '--koji',
      '-b',
      '/koji/repos/t/5/x86_64/blocklist',
      '-a',
      'x86_64',
      '-o',
      '/builddir/out',
      '--arch-expand',
      '-g',
      '/koji/repos/t/5/groups/comps.xml',
      '-r',
      'file:///builddir/premerge/',
      '-r',
      'http://x/x86_64/',
      '-r',
      'http://z/',
    ]);
  });

  it('knows the simple and bare modes and refuses a mix of modes', () => {
    expect(
      mergerepoArgv([repo('u', { merge_mode: 'simple' })], 'x86_64', merge, [0, 17, 3]).slice(0, 3),
    ).toEqual(['mergerepo_c', '--koji', '--simple']);
    expect(() => mergerepoArgv([repo('u', { merge_mode: 'simple' })], 'x86_64', merge, [0, 12, 0])).toThrow(
      '0.13.0 needed for --simple',
    );
    const bare = mergerepoArgv([repo('u', { merge_mode: 'bare' })], 'x86_64', merge, [0, 17, 3]);
    expect(bare.slice(0, 3)).toEqual(['mergerepo_c', '--pkgorigins', '--all']);
    expect(bare).not.toContain('-b');
    expect(() =>
      mergerepoArgv([repo('u'), repo('v', { merge_mode: 'bare' })], 'x86_64', merge, null),
    ).toThrow('Found multiple merge modes');
  });

  it('reads the version mergerepo_c prints', () => {
    expect(parseMergerepoVersion('Version: 0.17.3 (Features: DeltaRPM LegacyWeakdeps )\n')).toEqual([
      0, 17, 3,
    ]);
    expect(parseMergerepoVersion('nonsense')).toBeNull();
  });
});
