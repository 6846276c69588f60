/** The attempt ran longer than TASK_TIMEOUT_SECONDS; the task fails on the hub with this text. */
export class TaskTimeoutError extends Error {
  override readonly name = 'TaskTimeoutError';
  readonly retryable = false;

  constructor(
    readonly timeoutMs: number,
    readonly step?: string,
  ) {
    super(
      `Task exceeded its time limit of ${Math.round(timeoutMs / 1000)} s` +
        (step ? ` during step "${step}"` : ''),
    );
  }
}
