import { GenericError } from './generic-error';
import type { KojiFaultOptions } from './koji-fault';

/** 1019: Bad arguments for the call. */
export class ParameterError extends GenericError {
  static override readonly faultCode: number = 1019;
  override name = 'ParameterError';

  constructor(faultString: string, options?: KojiFaultOptions) {
    super(faultString, options, ParameterError.faultCode);
  }
}
