import { createHash, type Hash } from 'node:crypto';
import * as ADLER32 from 'adler-32';
import { GenericError } from '../errors/koji-errors';
import { PythonError } from '../errors/python-error';

/** An incremental digest with hashlib's `update`/`hexdigest`. */
export interface VerifyHash {
  update(chunk: Buffer): void;
  hexdigest(): string;
}

/** koji.util.adler32_constructor: `%08x` of the unsigned adler32. */
class Adler32 implements VerifyHash {
  private value = 1;
  update(chunk: Buffer): void {
    this.value = ADLER32.buf(chunk, this.value);
  }
  hexdigest(): string {
    return (this.value >>> 0).toString(16).padStart(8, '0');
  }
}

class NodeHash implements VerifyHash {
  private readonly hash: Hash;
  constructor(algorithm: string) {
    this.hash = createHash(algorithm);
  }
  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }
  hexdigest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * kojihub's `get_verify_class(verify)()`: md5, adler32 or sha256. An empty `verify`
 * gives None, and the hub then calls None() (a TypeError), as it does for uploads
 * without `fileverify`.
 */
export function verifyHash(verify: string): VerifyHash {
  if (verify === 'md5') return new NodeHash('md5');
  if (verify === 'adler32') return new Adler32();
  if (verify === 'sha256') return new NodeHash('sha256');
  if (verify) throw new GenericError(`Unsupported verify type: ${verify}`);
  throw new PythonError('TypeError', "'NoneType' object is not callable");
}
