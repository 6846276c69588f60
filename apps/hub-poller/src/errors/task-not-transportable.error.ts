/**
 * A task's request (or the message built from it) cannot travel to the executors as
 * the task-message contract says: e.g. a binary or a 64-bit integer beyond what JSON
 * carries exactly. Not retryable: the same request fails the same way. The poller fails
 * the task on the hub with this message, so its owner learns why.
 */
export class TaskNotTransportableError extends Error {
  override readonly name = 'TaskNotTransportableError';
  readonly retryable = false;

  constructor(
    readonly taskId: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`task ${taskId} cannot be handed to koji-farm executors: ${message}`, options);
  }
}
