import { BuildError } from './build-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1010: A build failed before it started. */
export class PreBuildError extends BuildError {
  static override readonly faultCode: number = 1010;
  override name = 'PreBuildError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, PreBuildError.faultCode);
  }
}
