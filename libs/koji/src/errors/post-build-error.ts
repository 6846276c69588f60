import { BuildError } from './build-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1011: A build failed after the package was built. */
export class PostBuildError extends BuildError {
  static override readonly faultCode: number = 1011;
  override name = 'PostBuildError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, PostBuildError.faultCode);
  }
}
