import { NotFoundError } from './not-found.error';

export class ContainerNotFoundError extends NotFoundError {
  override readonly name = 'ContainerNotFoundError';

  constructor(readonly containerId: string) {
    super(
      `container ${containerId} is not in the registry (unknown, or removed longer ago than its history TTL)`,
    );
  }
}
