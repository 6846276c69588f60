import { GenericError } from './generic-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1002: Authentication or session failure: bad credentials, a closed or unknown session. */
export class AuthError extends GenericError {
  static override readonly faultCode: number = 1002;
  override name = 'AuthError';

  constructor(faultString: string, options?: KojiFaultOptions, faultCode: number = AuthError.faultCode) {
    super(faultString, options, faultCode);
  }
}
