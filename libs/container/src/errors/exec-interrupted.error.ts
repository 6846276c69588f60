import { ContainerError } from './container.error';

/**
 * An exec's output stream ended (or broke) while Podman still reports the command as
 * running: the API service restarted or the connection dropped. The command may still be
 * running inside the container under conmon and its output since the break is lost, so
 * the exec's result is unknown. Worth retrying the task (in a fresh container); the old
 * container should be removed with `remove(handle, {force: true})`.
 */
export class ExecInterruptedError extends ContainerError {
  override readonly name = 'ExecInterruptedError';
  override readonly retryable = true;

  constructor(
    containerId: string,
    /** The exec's id, for `podman exec` debugging or a later inspect. */
    readonly execId: string,
    detail: string,
    cause?: unknown,
  ) {
    super(`Exec ${execId} in container ${containerId} was interrupted: ${detail}`, {
      step: 'exec',
      containerId,
      cause,
    });
  }
}
