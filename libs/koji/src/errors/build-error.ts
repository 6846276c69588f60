import { GenericError } from './generic-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1005: A package did not build. */
export class BuildError extends GenericError {
  static override readonly faultCode: number = 1005;
  override name = 'BuildError';

  constructor(faultString: string, options?: KojiFaultOptions, faultCode: number = BuildError.faultCode) {
    super(faultString, options, faultCode);
  }
}
