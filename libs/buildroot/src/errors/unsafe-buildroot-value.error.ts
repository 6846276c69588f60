/**
 * A hub fact (tag name, macro, environment variable, URL, image) holds a value that would
 * break out of the file or command it goes into: a newline in a macro value, a `/` in a
 * tag name, a NUL byte. The plan is refused; the task fails with a BuildrootError.
 * Not worth retrying: the same facts give the same refusal.
 */
export class UnsafeBuildrootValueError extends Error {
  override readonly name = 'UnsafeBuildrootValueError';
  readonly retryable = false;

  constructor(
    /** Where the value came from, e.g. `extra["rpm.macro.dist"]` or `tag name`. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Unsafe buildroot value in ${field}: ${reason}`);
  }
}
