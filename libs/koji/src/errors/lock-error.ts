import { GenericError } from './generic-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1001: A lock is held elsewhere, e.g. two writers of one upload file. */
export class LockError extends GenericError {
  static override readonly faultCode: number = 1001;
  override name = 'LockError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, LockError.faultCode);
  }
}
