import { AuthError } from './auth-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1006: Another session holds the user's exclusive lock (`exclusiveSession` without `force`). */
export class AuthLockError extends AuthError {
  static override readonly faultCode: number = 1006;
  override name = 'AuthLockError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, AuthLockError.faultCode);
  }
}
