import { ContainerError, type ContainerStep } from './container.error';

/**
 * The caller asked for something this library refuses before talking to Podman: a bad
 * container spec (unknown field, label outside `io.koji-farm.`, ulimit above the host's
 * ceiling, ...), an empty argv, a relative container path, a host file that cannot be
 * copied. Lists every problem found. Not worth retrying: the input must change.
 */
export class InvalidContainerRequestError extends ContainerError {
  override readonly name = 'InvalidContainerRequestError';

  constructor(
    readonly problems: readonly string[],
    context: { step: ContainerStep; containerId?: string; cause?: unknown },
  ) {
    super(`Invalid ${context.step} request: ${problems.join('; ')}`, context);
  }
}
