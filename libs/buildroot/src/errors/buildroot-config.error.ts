/**
 * The hub facts do not describe a buildroot that can be made: the repo belongs to
 * another tag, the repo is not READY, no buildroot arch fits a noarch task. kojid raises
 * BuildrootError in these cases; so does the executor. Not retried.
 */
export class BuildrootConfigError extends Error {
  override readonly name = 'BuildrootConfigError';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
  }
}
