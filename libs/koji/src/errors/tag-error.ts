import { GenericError } from './generic-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1003: A tag operation failed. */
export class TagError extends GenericError {
  static override readonly faultCode: number = 1003;
  override name = 'TagError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, TagError.faultCode);
  }
}
