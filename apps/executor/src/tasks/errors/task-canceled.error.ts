/**
 * The task's work was stopped on purpose: a `cancel` control message, or the executor
 * shutting down (`shutdown` true: the message goes back to the queue for another attempt).
 * Nothing is sent to the hub for a cancel.
 */
export class TaskCanceledError extends Error {
  override readonly name = 'TaskCanceledError';
  readonly retryable = false;

  constructor(
    readonly reason: string,
    readonly shutdown = false,
  ) {
    super(shutdown ? `Task interrupted: ${reason}` : `Task canceled: ${reason}`);
  }
}
