import { type z } from 'zod';

/**
 * The hub answered a call with a value that does not have the shape the poller relies
 * on (wrong types, missing fields). Not retried as such: the loop logs it (with the
 * task id when there is one) and carries on with the next task or the next loop.
 */
export class HubReplyInvalidError extends Error {
  override readonly name = 'HubReplyInvalidError';
  readonly retryable = false;
  readonly issues: string[];

  constructor(
    readonly method: string,
    error: z.ZodError,
    readonly taskId?: number,
  ) {
    const issues = error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(reply)'}: ${i.message}`);
    super(
      `the hub answered ${method}${taskId === undefined ? '' : ` for task ${taskId}`} with an unexpected reply: ${issues.join('; ')}`,
      { cause: error },
    );
    this.issues = issues;
  }
}
