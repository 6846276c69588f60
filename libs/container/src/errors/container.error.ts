/**
 * The step of a container's life an error happened in. `copy` covers both directions,
 * `image` covers inspecting and pulling images, `ping` the API health check and version.
 */
export type ContainerStep =
  'ping' | 'image' | 'create' | 'start' | 'copy' | 'exec' | 'inspect' | 'kill' | 'remove' | 'list' | 'commit';

/** What every {@link ContainerError} knows besides its message. */
export interface ContainerErrorContext {
  step: ContainerStep;
  /** The container's id, when the step was about one container. */
  containerId?: string;
  /** The underlying error (dockerode's, the file system's, ...). */
  cause?: unknown;
}

/**
 * Base of every error thrown by `@koji-farm/container`. Callers decide what to do from
 * the class and from {@link retryable}, never from the message text.
 *
 * Thrown as is (not a subclass) when Podman refused a request for a reason no subclass
 * describes, e.g. an exec in a stopped container or an option Podman rejects; such
 * errors are not worth retrying with the same input.
 */
export class ContainerError extends Error {
  override readonly name: string = 'ContainerError';
  /** True when the same call may succeed later (Podman restarting, a dropped connection). */
  readonly retryable: boolean = false;
  readonly step: ContainerStep;
  readonly containerId?: string;

  constructor(message: string, context: ContainerErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.step = context.step;
    this.containerId = context.containerId;
  }
}
