import { NotFoundError } from './not-found.error';

export class TaskNotFoundError extends NotFoundError {
  override readonly name = 'TaskNotFoundError';

  constructor(readonly taskId: number) {
    super(`task ${taskId} is not in the registry (unknown, or its history expired)`);
  }
}
