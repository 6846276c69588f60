/**
 * A value that XML-RPC cannot carry (undefined, a function, NaN, an integer beyond int64,
 * a character XML 1.0 forbids, a cycle...). `path` says where in the arguments it was,
 * e.g. `params[2].opts.arches[0]`.
 */
export class XmlRpcEncodeError extends TypeError {
  override readonly name = 'XmlRpcEncodeError';
  readonly retryable = false;

  constructor(
    readonly reason: string,
    readonly path: string,
  ) {
    super(`cannot encode ${path} as XML-RPC: ${reason}`);
  }
}
