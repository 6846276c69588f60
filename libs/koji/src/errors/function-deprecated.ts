import { GenericError } from './generic-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1013: The hub no longer offers this call. */
export class FunctionDeprecated extends GenericError {
  static override readonly faultCode: number = 1013;
  override name = 'FunctionDeprecated';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, FunctionDeprecated.faultCode);
  }
}
