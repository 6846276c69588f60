import { buildArchList, chooseTaskArch } from './arch-list';

const tag = { id: 1, name: 'f40-build', arches: 'x86_64 i686 aarch64' };
const none = { buildarchs: [], exclusivearch: [], excludearch: [] };

describe(buildArchList.name, () => {
  it('builds for every arch of the tag when the package does not narrow them', () => {
    expect(buildArchList(tag, none)).toEqual(['x86_64', 'i686', 'aarch64']);
  });

  it('narrows by ExclusiveArch and ExcludeArch and keeps only arches the tag has', () => {
    expect(buildArchList(tag, { ...none, exclusivearch: ['x86_64', 'ppc64le', 'aarch64'] })).toEqual([
      'x86_64',
      'aarch64',
    ]);
    expect(buildArchList(tag, { ...none, excludearch: ['i686'] })).toEqual(['x86_64', 'aarch64']);
  });

  it('builds a noarch package once, as noarch', () => {
    expect(buildArchList(tag, { ...none, buildarchs: ['noarch'] })).toEqual(['noarch']);
    expect(buildArchList(tag, { ...none, exclusivearch: ['noarch', 'x86_64'] })).toEqual([
      'x86_64',
      'noarch',
    ]);
  });

  it('adds the package extra arches and honours arch_override only for scratch builds', () => {
    expect(buildArchList({ ...tag, arches: 'x86_64 s390x' }, none, { extraArches: 'i686' })).toEqual([
      'x86_64',
      's390x',
    ]);
    expect(buildArchList(tag, none, { scratch: true, archOverride: 'aarch64' })).toEqual(['aarch64']);
    expect(buildArchList(tag, none, { scratch: false, archOverride: 'aarch64' })).toEqual([
      'x86_64',
      'i686',
      'aarch64',
    ]);
  });

  it('fails with BuildError when the tag has no arches or none is left', () => {
    expect(() => buildArchList({ ...tag, arches: null }, none)).toThrow('No arches for tag f40-build [1]');
    expect(() => buildArchList(tag, { ...none, exclusivearch: ['ppc64le'] })).toThrow(
      'No matching arches were found',
    );
  });
});

describe(chooseTaskArch.name, () => {
  it('canonicalises real arches and keeps noarch when nothing rules an arch out', () => {
    expect(chooseTaskArch('i686', none, tag)).toBe('i386');
    expect(chooseTaskArch('noarch', none, tag)).toBe('noarch');
    expect(chooseTaskArch('noarch', null, tag)).toBe('noarch');
  });

  it('sends a noarch task to an allowed arch when ExclusiveArch rules some out', () => {
    expect(chooseTaskArch('noarch', { ...none, exclusivearch: ['aarch64'] }, tag)).toBe('aarch64');
    expect(chooseTaskArch('noarch', none, { ...tag, extra: { noarch_arches: 'x86_64' } })).toBe('x86_64');
    expect(() => chooseTaskArch('noarch', { ...none, exclusivearch: ['ppc64le'] }, tag)).toThrow(
      'No valid arches',
    );
  });

  it('keeps arches matching literal_task_arches as they are', () => {
    expect(chooseTaskArch('i686', none, tag, 'i?86')).toBe('i686');
  });
});
