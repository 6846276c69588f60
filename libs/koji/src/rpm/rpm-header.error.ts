/** A file that should be an RPM has no readable header (not an RPM, cut short, malformed). */
export class RpmHeaderError extends Error {
  override readonly name = 'RpmHeaderError';
  readonly retryable = false;

  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot read the RPM header of ${path}: ${reason}`);
  }
}
