import { AuthError } from './auth-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1008: A callnum lower than one the hub already saw for this session. */
export class SequenceError extends AuthError {
  static override readonly faultCode: number = 1008;
  override name = 'SequenceError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, SequenceError.faultCode);
  }
}
