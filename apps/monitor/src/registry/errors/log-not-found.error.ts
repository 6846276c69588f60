import { NotFoundError } from './not-found.error';

export class LogNotFoundError extends NotFoundError {
  override readonly name = 'LogNotFoundError';

  constructor(
    readonly taskId: number,
    readonly log: string,
    readonly attempt: number | null,
  ) {
    super(`task ${taskId} has no log ${log}${attempt === null ? '' : ` in attempt ${attempt}`}`);
  }
}
