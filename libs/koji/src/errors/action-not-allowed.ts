import { GenericError } from './generic-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1004: The session lacks a permission the call needs. */
export class ActionNotAllowed extends GenericError {
  static override readonly faultCode: number = 1004;
  override name = 'ActionNotAllowed';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, ActionNotAllowed.faultCode);
  }
}
