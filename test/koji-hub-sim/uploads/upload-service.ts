import {
  closeSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readSync,
  writeSync,
  constants,
} from 'node:fs';
import type { Readable } from 'node:stream';
import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import { ActionNotAllowed, GenericError, LockError } from '../errors/koji-errors';
import { PythonError } from '../errors/python-error';
import type { HubServices } from '../hub-services';
import type { CallContext } from '../rpc/call-context';
import { uploadPath } from './upload-path';
import { verifyHash } from './verify-hash';

/** A checked upload request, ready to take its body. */
export interface PreparedUpload {
  fn: string;
  offset: number;
  overwrite: boolean;
  verify: string;
}

/**
 * Uploads (`handle_upload`) and `checkUpload`. A file being written is locked for the
 * whole request, as the hub's fcntl lock is: a second writer gets LockError.
 */
export class UploadService {
  private readonly locked = new Set<string>();

  constructor(private readonly s: HubServices) {}

  /** The synchronous part, inside the request's transaction: session, query and path checks. */
  prepare(call: CallContext, query: string): PreparedUpload {
    if (!call.session.loggedIn) throw new ActionNotAllowed('you must be logged-in to upload a file');
    const args = new URLSearchParams(query);
    const name = args.get('filename');
    if (name === null) throw new PythonError('KeyError', "'filename'");
    const offsetText = args.get('offset') ?? '0';
    if (!/^\s*[+-]?\d+\s*$/.test(offsetText)) {
      throw new PythonError('ValueError', `invalid literal for int() with base 10: '${offsetText}'`);
    }
    const prepared: PreparedUpload = {
      fn: uploadPath(this.s, call, args.get('filepath') ?? '', name, true, args.get('volume') ?? 'DEFAULT'),
      offset: Number(offsetText),
      overwrite: Boolean(args.get('overwrite')),
      verify: args.get('fileverify') ?? '',
    };
    const st = lstatSync(prepared.fn, { throwIfNoEntry: false });
    if (st) {
      if (st.isSymbolicLink()) throw new GenericError(`destination is a symlink: ${prepared.fn}`);
      if (!st.isFile()) throw new GenericError(`destination not a file: ${prepared.fn}`);
      if (prepared.offset === 0 && !prepared.overwrite)
        throw new GenericError(`upload path exists: ${prepared.fn}`);
    }
    verifyHash(prepared.verify); // fails before any byte is written, as the hub does
    return prepared;
  }

  /** Writes the body at the offset and answers `{size, fileverify, offset, hexdigest}`. */
  async write(p: PreparedUpload, body: AsyncIterable<Buffer> | Readable): Promise<KojiStruct> {
    if (this.locked.has(p.fn)) throw new LockError('[Errno 11] Resource temporarily unavailable');
    this.locked.add(p.fn);
    const fd = openSync(p.fn, constants.O_RDWR | constants.O_CREAT, 0o666);
    try {
      const hash = p.verify ? verifyHash(p.verify) : null;
      let offset = p.offset;
      if (offset === -1) offset = fstatSync(fd).size;
      else if (p.overwrite) ftruncateSync(fd, offset);
      let pos = offset;
      let size = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        hash?.update(chunk);
        writeSync(fd, chunk, 0, chunk.length, pos);
        pos += chunk.length;
        size += chunk.length;
      }
      if (!p.overwrite) {
        const flen = fstatSync(fd).size;
        if (flen !== offset + size) {
          throw new GenericError(
            `Incorrect upload length for ${p.fn} - Expected ${offset + size}, actual ${flen}`,
          );
        }
      }
      const ret: KojiStruct = { size, fileverify: p.verify, offset };
      if (hash) ret.hexdigest = hash.hexdigest();
      return ret;
    } finally {
      closeSync(fd);
      this.locked.delete(p.fn);
    }
  }

  /** `checkUpload(path, name, verify=None, tail=None, volume=None)`. */
  check(
    call: CallContext,
    path: string,
    name: string,
    verify: string | null,
    tail: number | null,
    volume: string | null,
  ): KojiStruct | null {
    const fn = uploadPath(this.s, call, path, name, false, volume);
    let fd: number;
    try {
      fd = openSync(fn, constants.O_RDONLY);
    } catch {
      return null;
    }
    try {
      if (this.locked.has(fn)) throw new LockError('[Errno 11] Resource temporarily unavailable');
      const st = fstatSync(fd);
      if (!st.isFile()) throw new GenericError(`Not a regular file: ${fn}`);
      const data: KojiStruct = { size: st.size, mtime: st.mtimeMs / 1000 };
      if (verify) {
        const hash = verifyHash(verify);
        let pos = 0;
        if (tail !== null) {
          if (tail < 0) throw new GenericError(`Invalid tail value: ${tail}`);
          pos = Math.max(st.size - tail, 0);
        }
        let length = 0;
        const buf = Buffer.alloc(65536);
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, pos);
          if (n === 0) break;
          hash.update(buf.subarray(0, n));
          pos += n;
          length += n;
        }
        data.sumlength = length;
        data.hexdigest = hash.hexdigest();
      }
      return data;
    } finally {
      closeSync(fd);
    }
  }
}
