import { open } from 'node:fs/promises';
import { RpmHeaderError } from './rpm-header.error';

/** The header fields kojid reads from an SRPM before it builds (`koji.get_header_fields`). */
export interface RpmHeaderFields {
  name: string;
  version: string;
  release: string;
  epoch: number | null;
  arch: string;
  /** True for a source package (RPMTAG_SOURCEPACKAGE is set). */
  sourcepackage: boolean;
  /** ExclusiveArch, ExcludeArch, BuildArch: empty when the spec has none. */
  exclusivearch: string[];
  excludearch: string[];
  buildarchs: string[];
  /**
   * Requires as dnf takes them (`name`, `name >= version`), without rpmlib()
   * dependencies: of an SRPM, its BuildRequires (what mock installs before the build).
   */
  requires: string[];
}

const LEAD_SIZE = 96;
const LEAD_MAGIC = 0xedabeedb;
const HEADER_MAGIC = 0x8eade801;
/** Far above any real header's index or store; guards against reading garbage as sizes. */
const MAX_INDEX_ENTRIES = 100_000;
const MAX_STORE_BYTES = 256 * 1024 * 1024;

const TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  ARCH: 1022,
  EXCLUDEARCH: 1059,
  EXCLUSIVEARCH: 1061,
  BUILDARCHS: 1089,
  SOURCEPACKAGE: 1106,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
} as const;

/** RPMSENSE_LESS, _GREATER, _EQUAL of a dependency's flags. */
const SENSE = { LESS: 2, GREATER: 4, EQUAL: 8 } as const;

const TYPE = { INT32: 4, STRING: 6, STRING_ARRAY: 8, I18NSTRING: 9 } as const;

interface Entry {
  type: number;
  offset: number;
  count: number;
}

/**
 * Reads the lead, the signature header and the main header of an RPM file (never the
 * payload): what kojid's `readSRPMHeader` and `getArchList` need.
 * @throws RpmHeaderError when the file is not an RPM or its header is cut or malformed.
 */
export async function readRpmHeaderFields(path: string): Promise<RpmHeaderFields> {
  const file = await open(path, 'r');
  try {
    const read = async (position: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      if (bytesRead !== length) throw new RpmHeaderError(path, `file ends at byte ${position + bytesRead}`);
      return buffer;
    };
    const lead = await read(0, LEAD_SIZE);
    if (lead.readUInt32BE(0) !== LEAD_MAGIC) throw new RpmHeaderError(path, 'no RPM lead');
    const signature = await headerAt(read, LEAD_SIZE, path);
    const mainStart = signature.end + ((8 - (signature.end % 8)) % 8);
    const main = await headerAt(read, mainStart, path);
    const field = new HeaderReader(main.entries, main.store, path);
    const sourcepackage = main.entries.has(TAG.SOURCEPACKAGE);
    return {
      name: field.string(TAG.NAME, true)!,
      version: field.string(TAG.VERSION, true)!,
      release: field.string(TAG.RELEASE, true)!,
      epoch: field.int(TAG.EPOCH),
      arch: field.string(TAG.ARCH) ?? '',
      sourcepackage,
      exclusivearch: field.strings(TAG.EXCLUSIVEARCH),
      excludearch: field.strings(TAG.EXCLUDEARCH),
      buildarchs: field.strings(TAG.BUILDARCHS),
      requires: requiresOf(field),
    };
  } finally {
    await file.close();
  }
}

function requiresOf(field: HeaderReader): string[] {
  const names = field.strings(TAG.REQUIRENAME);
  const flags = field.ints(TAG.REQUIREFLAGS);
  const versions = field.strings(TAG.REQUIREVERSION);
  const out = new Set<string>();
  names.forEach((name, i) => {
    if (name.startsWith('rpmlib(')) return;
    const flag = flags[i] ?? 0;
    const op =
      (flag & SENSE.LESS ? '<' : '') + (flag & SENSE.GREATER ? '>' : '') + (flag & SENSE.EQUAL ? '=' : '');
    const version = versions[i] ?? '';
    out.add(op && version ? `${name} ${op === '=' ? '=' : op} ${version}` : name);
  });
  return [...out];
}

async function headerAt(
  read: (position: number, length: number) => Promise<Buffer>,
  start: number,
  path: string,
): Promise<{ entries: Map<number, Entry>; store: Buffer; end: number }> {
  const intro = await read(start, 16);
  if (intro.readUInt32BE(0) !== HEADER_MAGIC)
    throw new RpmHeaderError(path, `no header magic at byte ${start}`);
  const count = intro.readUInt32BE(8);
  const storeSize = intro.readUInt32BE(12);
  if (count > MAX_INDEX_ENTRIES || storeSize > MAX_STORE_BYTES)
    throw new RpmHeaderError(path, `implausible header size at byte ${start}`);
  const index = await read(start + 16, count * 16);
  const store = await read(start + 16 + count * 16, storeSize);
  const entries = new Map<number, Entry>();
  for (let i = 0; i < count; i++) {
    entries.set(index.readUInt32BE(i * 16), {
      type: index.readUInt32BE(i * 16 + 4),
      offset: index.readUInt32BE(i * 16 + 8),
      count: index.readUInt32BE(i * 16 + 12),
    });
  }
  return { entries, store, end: start + 16 + count * 16 + storeSize };
}

class HeaderReader {
  constructor(
    private readonly entries: Map<number, Entry>,
    private readonly store: Buffer,
    private readonly path: string,
  ) {}

  string(tag: number, required = false): string | null {
    const entry = this.entries.get(tag);
    if (!entry) {
      if (required) throw new RpmHeaderError(this.path, `header tag ${tag} missing`);
      return null;
    }
    if (entry.type !== TYPE.STRING && entry.type !== TYPE.I18NSTRING && entry.type !== TYPE.STRING_ARRAY)
      throw new RpmHeaderError(this.path, `header tag ${tag} is not a string`);
    return this.stringsFrom(entry.offset, 1)[0];
  }

  strings(tag: number): string[] {
    const entry = this.entries.get(tag);
    if (!entry) return [];
    if (entry.type !== TYPE.STRING_ARRAY && entry.type !== TYPE.STRING)
      throw new RpmHeaderError(this.path, `header tag ${tag} is not a string array`);
    return this.stringsFrom(entry.offset, entry.type === TYPE.STRING ? 1 : entry.count);
  }

  int(tag: number): number | null {
    const entry = this.entries.get(tag);
    if (!entry) return null;
    if (entry.type !== TYPE.INT32 || entry.offset + 4 > this.store.length)
      throw new RpmHeaderError(this.path, `header tag ${tag} is not an int32`);
    return this.store.readUInt32BE(entry.offset);
  }

  ints(tag: number): number[] {
    const entry = this.entries.get(tag);
    if (!entry) return [];
    if (entry.type !== TYPE.INT32 || entry.offset + 4 * entry.count > this.store.length)
      throw new RpmHeaderError(this.path, `header tag ${tag} is not an int32 array`);
    return Array.from({ length: entry.count }, (_, i) => this.store.readUInt32BE(entry.offset + 4 * i));
  }

  private stringsFrom(offset: number, count: number): string[] {
    const out: string[] = [];
    let at = offset;
    for (let i = 0; i < count; i++) {
      const end = this.store.indexOf(0, at);
      if (at >= this.store.length || end < 0)
        throw new RpmHeaderError(this.path, 'string runs past the header');
      out.push(this.store.subarray(at, end).toString('utf8'));
      at = end + 1;
    }
    return out;
  }
}
