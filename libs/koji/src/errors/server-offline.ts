import { GenericError } from './generic-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1014: The hub is offline for maintenance. Nothing ran, so the same call may be sent again later: the one fault that is `retryable`. */
export class ServerOffline extends GenericError {
  static override readonly faultCode: number = 1014;
  override name = 'ServerOffline';
  override readonly retryable: boolean = true;

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, ServerOffline.faultCode);
  }
}
