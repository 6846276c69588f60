import { NotFoundError } from './not-found.error';

export class ExecutorNotFoundError extends NotFoundError {
  override readonly name = 'ExecutorNotFoundError';

  constructor(readonly executorId: string) {
    super(`executor ${executorId} is not in the registry (unknown, or gone for longer than its history TTL)`);
  }
}
