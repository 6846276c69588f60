import { BuildError } from './build-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1012: The buildroot could not be made. */
export class BuildrootError extends BuildError {
  static override readonly faultCode: number = 1012;
  override name = 'BuildrootError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, BuildrootError.faultCode);
  }
}
