import { PackageListParseError } from './errors/package-list-parse.error';
import { installedSince, PACKAGE_LIST_QUERY_FORMAT, parsePackageList } from './package-list';

describe(parsePackageList.name, () => {
  it('reads name, version, release, epoch, arch, payloadhash, size and buildtime', () => {
    const output = [
      'kf-bash\t1.0\t1\t(none)\tnoarch\t0123456789abcdef0123456789abcdef\t1234\t1700000000',
      'kf-coreutils\t2.1\t3.fc40\t2\tx86_64\tfedcba9876543210fedcba9876543210\t99\t1700000001',
      'gpg-pubkey\t1\t2\t(none)\t(none)\t(none)\t0\t1700000002',
      '',
    ].join('\n');
    expect(parsePackageList(output)).toEqual([
      {
        name: 'kf-bash',
        version: '1.0',
        release: '1',
        epoch: null,
        arch: 'noarch',
        payloadhash: '0123456789abcdef0123456789abcdef',
        size: 1234,
        buildtime: 1700000000,
      },
      {
        name: 'kf-coreutils',
        version: '2.1',
        release: '3.fc40',
        epoch: 2,
        arch: 'x86_64',
        payloadhash: 'fedcba9876543210fedcba9876543210',
        size: 99,
        buildtime: 1700000001,
      },
    ]);
  });

  it('is empty for an empty buildroot', () => {
    expect(parsePackageList('')).toEqual([]);
  });

  it('names the line it cannot read', () => {
    expect(() => parsePackageList('ok\t1\t1\t(none)\tnoarch\tab\t1\t1\nbroken line\n')).toThrow(
      PackageListParseError,
    );
    expect(() => parsePackageList('x\t1\t1\tzero\tnoarch\tab\t1\t1')).toThrow(/line 1/);
  });

  it('asks rpm for tab-separated fields in the order it parses', () => {
    expect(PACKAGE_LIST_QUERY_FORMAT.split('\\t')).toHaveLength(8);
    expect(PACKAGE_LIST_QUERY_FORMAT.endsWith('\\n')).toBe(true);
  });
});

describe(installedSince.name, () => {
  const rpm = (name: string, release = '1') => ({
    name,
    version: '1.0',
    release,
    epoch: null,
    arch: 'noarch',
    payloadhash: 'ab',
    size: 1,
    buildtime: 1,
  });

  it('keeps only what the group install added or changed', () => {
    const baseline = [rpm('image-base'), rpm('bash', '1')];
    const after = [rpm('image-base'), rpm('bash', '2'), rpm('kf-make')];
    expect(installedSince(baseline, after).map((r) => `${r.name}-${r.release}`)).toEqual([
      'bash-2',
      'kf-make-1',
    ]);
  });
});
