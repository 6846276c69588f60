import { AuthError } from './auth-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1007: The session passed `SessionRenewalTimeout`: log in again with `renew`. */
export class AuthExpired extends AuthError {
  static override readonly faultCode: number = 1007;
  override name = 'AuthExpired';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, AuthExpired.faultCode);
  }
}
