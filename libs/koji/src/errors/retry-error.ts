import { AuthError } from './auth-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1009: A replayed callnum whose first attempt already committed: the call ran before. */
export class RetryError extends AuthError {
  static override readonly faultCode: number = 1009;
  override name = 'RetryError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, RetryError.faultCode);
  }
}
