/** Another executor holds the task's lease now (this attempt's expired): this attempt must stop (ADR 0083). */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';

  constructor(
    readonly taskId: number,
    readonly attempt: number,
  ) {
    super(`the lease of task ${taskId} is held by another attempt now; attempt ${attempt} stops`);
  }

  get reason(): string {
    return this.message;
  }
}
