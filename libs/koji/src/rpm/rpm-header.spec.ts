import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonArch, multiFnmatch } from './arches';
import { readRpmHeaderFields } from './rpm-header';
import { RpmHeaderError } from './rpm-header.error';

type Value =
  { type: 4; value: number | number[] } | { type: 6; value: string } | { type: 8; value: string[] };

/** One header structure (magic, index, store) with the given tags. */
function header(tags: Record<number, Value>): Buffer {
  const index: Buffer[] = [];
  const store: Buffer[] = [];
  let offset = 0;
  for (const [tag, v] of Object.entries(tags)) {
    let data: Buffer;
    let count = 1;
    if (v.type === 4) {
      const pad = (4 - (offset % 4)) % 4;
      store.push(Buffer.alloc(pad));
      offset += pad;
      const values = Array.isArray(v.value) ? v.value : [v.value];
      data = Buffer.alloc(4 * values.length);
      values.forEach((n, i) => data.writeUInt32BE(n, 4 * i));
      count = values.length;
    } else if (v.type === 6) data = Buffer.from(`${v.value}\0`);
    else {
      data = Buffer.from(v.value.map((s) => `${s}\0`).join(''));
      count = v.value.length;
    }
    const entry = Buffer.alloc(16);
    entry.writeUInt32BE(Number(tag), 0);
    entry.writeUInt32BE(v.type, 4);
    entry.writeUInt32BE(offset, 8);
    entry.writeUInt32BE(count, 12);
    index.push(entry);
    store.push(data);
    offset += data.length;
  }
  const intro = Buffer.alloc(16);
  intro.writeUInt32BE(0x8eade801, 0);
  intro.writeUInt32BE(index.length, 8);
  intro.writeUInt32BE(offset, 12);
  return Buffer.concat([intro, ...index, ...store]);
}

function rpm(tags: Record<number, Value>): Buffer {
  const lead = Buffer.alloc(96);
  lead.writeUInt32BE(0xedabeedb, 0);
  const signature = header({ 1000: { type: 4, value: 1 } }); // 20 + 4 bytes: padded to 8 before the main header
  const pad = Buffer.alloc((8 - ((96 + signature.length) % 8)) % 8);
  return Buffer.concat([lead, signature, pad, header(tags), Buffer.from('payload')]);
}

describe(readRpmHeaderFields.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rpm-header-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads N-V-R, epoch and the arch lists of a source package', async () => {
    const path = write(
      'a.src.rpm',
      rpm({
        1000: { type: 6, value: 'kf-hello' },
        1001: { type: 6, value: '1.0' },
        1002: { type: 6, value: '1' },
        1003: { type: 4, value: 2 },
        1022: { type: 6, value: 'x86_64' },
        1059: { type: 8, value: ['ppc64le', 's390x'] },
        1061: { type: 8, value: ['x86_64', 'noarch'] },
        1106: { type: 4, value: 1 },
      }),
    );
    await expect(readRpmHeaderFields(path)).resolves.toEqual({
      name: 'kf-hello',
      version: '1.0',
      release: '1',
      epoch: 2,
      arch: 'x86_64',
      sourcepackage: true,
      exclusivearch: ['x86_64', 'noarch'],
      excludearch: ['ppc64le', 's390x'],
      buildarchs: [],
      requires: [],
    });
  });

  it('lists BuildRequires as dnf takes them, without rpmlib() dependencies', async () => {
    const path = write(
      'c.src.rpm',
      rpm({
        1000: { type: 6, value: 'c' },
        1001: { type: 6, value: '1' },
        1002: { type: 6, value: '1' },
        1048: { type: 4, value: [0, 8 | 4, 2, 16777216 | 8 | 2, 0] },
        1049: { type: 8, value: ['kf-devdep', 'zlib-devel', 'old', 'rpmlib(FileDigests)', 'kf-devdep'] },
        1050: { type: 8, value: ['', '1.2', '3', '4.6.0-1', ''] },
        1106: { type: 4, value: 1 },
      }),
    );
    const sut = await readRpmHeaderFields(path);
    expect(sut.requires).toEqual(['kf-devdep', 'zlib-devel >= 1.2', 'old < 3']);
  });

  it('says a binary package is not a source package and has no epoch when none is set', async () => {
    const path = write(
      'b.rpm',
      rpm({
        1000: { type: 6, value: 'b' },
        1001: { type: 6, value: '2' },
        1002: { type: 6, value: '3' },
        1022: { type: 6, value: 'noarch' },
        1089: { type: 8, value: ['noarch'] },
      }),
    );
    const sut = await readRpmHeaderFields(path);
    expect(sut).toMatchObject({ sourcepackage: false, epoch: null, buildarchs: ['noarch'] });
  });

  it('refuses what is not an RPM, and an RPM cut inside its header', async () => {
    await expect(readRpmHeaderFields(write('x', Buffer.alloc(200, 1)))).rejects.toThrow(RpmHeaderError);
    const whole = rpm({
      1000: { type: 6, value: 'c' },
      1001: { type: 6, value: '1' },
      1002: { type: 6, value: '1' },
    });
    await expect(readRpmHeaderFields(write('cut', whole.subarray(0, 130)))).rejects.toThrow(
      /file ends at byte/,
    );
    await expect(
      readRpmHeaderFields(write('nameless', rpm({ 1001: { type: 6, value: '1' } }))),
    ).rejects.toThrow(/header tag 1000 missing/);
  });
});

describe(canonArch.name, () => {
  it('canonicalises as Koji does', () => {
    expect(
      [
        'i686',
        'i386',
        'athlon',
        'ia32e',
        'x86_64',
        'ppc64le',
        'ppc64p7',
        'armv7hl',
        'armv5tel',
        'aarch64',
      ].map(canonArch),
    ).toEqual(['i386', 'i386', 'i386', 'x86_64', 'x86_64', 'ppc64le', 'ppc64', 'armhfp', 'arm', 'aarch64']);
  });

  it('matches arches against space-separated patterns', () => {
    expect(multiFnmatch('x86_64', 'i?86 x86_*')).toBe(true);
    expect(multiFnmatch('aarch64', 'i?86 x86_*')).toBe(false);
  });
});
