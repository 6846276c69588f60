import { ContainerError, type ContainerStep } from './container.error';

/**
 * Podman's API socket could not be reached or did not answer in time: the socket file is
 * missing, nobody listens on it (the service was killed), the connection broke mid-call,
 * or no answer came within the manager's `apiTimeoutMs`. Names the socket path. Worth
 * retrying once the service is back (`scripts/setup-host.sh` restarts it).
 */
export class PodmanUnavailableError extends ContainerError {
  override readonly name = 'PodmanUnavailableError';
  override readonly retryable = true;

  constructor(
    readonly socketPath: string,
    detail: string,
    context: { step: ContainerStep; containerId?: string; cause?: unknown },
  ) {
    super(`Podman API at ${socketPath} is unavailable during ${context.step}: ${detail}`, context);
  }
}
