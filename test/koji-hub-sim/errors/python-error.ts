/**
 * A Python exception that is not one of Koji's (TypeError, KeyError, ValueError,
 * OSError...). The hub reports it as fault 1 with `"%s: %s" % (e_class, e)`, which
 * prints as `<class 'KeyError'>: 'filename'`; inside a multiCall only `str(e)`.
 */
export class PythonError extends Error {
  override readonly name = 'PythonError';
  readonly faultCode = 1;

  constructor(
    readonly pyClass: string,
    readonly pyMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`<class '${pyClass}'>: ${pyMessage}`, options);
  }
}
