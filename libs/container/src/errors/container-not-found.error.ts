import { ContainerError, type ContainerStep } from './container.error';

/**
 * The container does not exist (any more): removed by someone else, by `AutoRemove`, or
 * never created. `ContainerManager.remove` swallows it; every other call throws it.
 */
export class ContainerNotFoundError extends ContainerError {
  override readonly name = 'ContainerNotFoundError';

  constructor(containerId: string, context: { step: ContainerStep; cause?: unknown }) {
    super(`Container ${containerId} not found during ${context.step}`, { ...context, containerId });
  }
}
