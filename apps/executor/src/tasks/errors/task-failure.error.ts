/**
 * The task failed for a reason the hub must hear about: `host.failTask` with this Koji
 * fault code (BuildError 1005 when the package did not build, BuildrootError 1012 when
 * the buildroot could not be made, ...) and text. Not retried: a new attempt would fail
 * the same way.
 */
export class TaskFailureError extends Error {
  override readonly name = 'TaskFailureError';
  readonly retryable = false;

  constructor(
    readonly faultCode: number,
    /** The fault's class name as Koji knows it (`BuildError`, `BuildrootError`, `GenericError`). */
    readonly faultName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Koji's fault codes the executor sends (protocol §1). */
export const FAULT = {
  generic: { code: 1000, name: 'GenericError' },
  build: { code: 1005, name: 'BuildError' },
  buildroot: { code: 1012, name: 'BuildrootError' },
  parameter: { code: 1019, name: 'ParameterError' },
} as const;

export function buildError(message: string, cause?: unknown): TaskFailureError {
  return new TaskFailureError(FAULT.build.code, FAULT.build.name, message, { cause });
}

export function buildrootError(message: string, cause?: unknown): TaskFailureError {
  return new TaskFailureError(FAULT.buildroot.code, FAULT.buildroot.name, message, { cause });
}
