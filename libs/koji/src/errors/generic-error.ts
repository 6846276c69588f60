import { KojiFault, type KojiFaultOptions } from './koji-fault';

/** 1000: A generic Koji error (also "Invalid method: X" for an unknown method). Base of every named Koji fault. */
export class GenericError extends KojiFault {
  static readonly faultCode: number = 1000;
  override name = 'GenericError';

  constructor(faultString: string, options?: KojiFaultOptions, faultCode: number = GenericError.faultCode) {
    super(faultCode, faultString, options);
  }
}
