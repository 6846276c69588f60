import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { GenericError } from '../errors/koji-errors';

/** The header fields Koji's import reads from an RPM (`koji.get_header_fields`). */
export interface RpmHeaderInfo {
  name: string;
  version: string;
  release: string;
  epoch: number | null;
  /** 'src' for a source package, as Koji files it. */
  arch: string;
  buildtime: number;
  size: number;
  sourcepackage: boolean;
  /** Hex of the signature header's MD5 (Koji's `payloadhash`). */
  payloadhash: string;
}

const HEADER_MAGIC = 0x8eade801;
const TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  BUILDTIME: 1006,
  SIZE: 1009,
  ARCH: 1022,
  SOURCEPACKAGE: 1106,
  LONGSIZE: 5009,
};
const SIGTAG_MD5 = 1004;

interface Entry {
  type: number;
  offset: number;
  count: number;
}

interface Header {
  entries: Map<number, Entry>;
  store: Buffer;
  end: number;
}

/** Reads an RPM's lead, signature header and main header (no payload). */
export function readRpmHeader(path: string): RpmHeaderInfo {
  const buf = readHeaders(path);
  if (buf.length < 96 || buf.readUInt32BE(0) !== 0xedabeedb) throw new GenericError(`not an rpm: ${path}`);
  const sig = parseHeader(buf, 96, path);
  const mainStart = sig.end + ((8 - (sig.end % 8)) % 8);
  const main = parseHeader(buf, mainStart, path);
  const md5 = sig.entries.get(SIGTAG_MD5);
  const payloadhash = md5
    ? sig.store.subarray(md5.offset, md5.offset + 16).toString('hex')
    : createHash('md5').update(readFileSync(path).subarray(mainStart)).digest('hex');
  const sourcepackage = main.entries.has(TAG.SOURCEPACKAGE);
  return {
    name: str(main, TAG.NAME)!,
    version: str(main, TAG.VERSION)!,
    release: str(main, TAG.RELEASE)!,
    epoch: int(main, TAG.EPOCH),
    arch: sourcepackage ? 'src' : str(main, TAG.ARCH)!,
    buildtime: int(main, TAG.BUILDTIME) ?? 0,
    size: int(main, TAG.LONGSIZE) ?? int(main, TAG.SIZE) ?? 0,
    sourcepackage,
    payloadhash,
  };
}

/**
 * The lead and both headers, without the payload: a buildroot RPM of the test
 * distribution (kf-rootfs) is 230 MB, of which the headers are a few hundred KB.
 */
function readHeaders(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const read = (length: number): Buffer => {
      const buf = Buffer.alloc(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, 0));
    };
    const headerEnd = (buf: Buffer, start: number): number =>
      buf.length < start + 16
        ? start + 16
        : start + 16 + buf.readUInt32BE(start + 8) * 16 + buf.readUInt32BE(start + 12);
    let buf = read(96 + 16);
    if (buf.length < 96 + 16) return buf;
    const sigEnd = headerEnd(buf, 96);
    const mainStart = sigEnd + ((8 - (sigEnd % 8)) % 8);
    buf = read(mainStart + 16);
    buf = read(headerEnd(buf, mainStart));
    return buf;
  } finally {
    closeSync(fd);
  }
}

function parseHeader(buf: Buffer, start: number, path: string): Header {
  if (buf.readUInt32BE(start) !== HEADER_MAGIC) throw new GenericError(`bad rpm header in ${path}`);
  const nindex = buf.readUInt32BE(start + 8);
  const hsize = buf.readUInt32BE(start + 12);
  const storeStart = start + 16 + nindex * 16;
  const entries = new Map<number, Entry>();
  for (let i = 0; i < nindex; i++) {
    const at = start + 16 + i * 16;
    entries.set(buf.readUInt32BE(at), {
      type: buf.readUInt32BE(at + 4),
      offset: buf.readUInt32BE(at + 8),
      count: buf.readUInt32BE(at + 12),
    });
  }
  return { entries, store: buf.subarray(storeStart, storeStart + hsize), end: storeStart + hsize };
}

function str(h: Header, tag: number): string | null {
  const e = h.entries.get(tag);
  if (!e) return null;
  const end = h.store.indexOf(0, e.offset);
  return h.store.subarray(e.offset, end).toString('utf8');
}

function int(h: Header, tag: number): number | null {
  const e = h.entries.get(tag);
  if (!e) return null;
  if (e.type === 4) return h.store.readUInt32BE(e.offset);
  if (e.type === 5) return Number(h.store.readBigUInt64BE(e.offset));
  if (e.type === 3) return h.store.readUInt16BE(e.offset);
  return null;
}
