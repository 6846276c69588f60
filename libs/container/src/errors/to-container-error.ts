import { ContainerError, type ContainerStep } from './container.error';
import { ContainerNotFoundError } from './container-not-found.error';
import { ImageNotFoundError } from './image-not-found.error';
import { PodmanUnavailableError } from './podman-unavailable.error';

/** Where a failed dockerode call came from, to word and type the error. */
export interface CallContext {
  step: ContainerStep;
  socketPath: string;
  containerId?: string;
  /** The image the call was about (create, ensureImage). */
  image?: string;
  /** Set when the manager's own API timeout fired: the call got no answer in time. */
  timedOutAfterMs?: number;
}

/** Connecting failed: no socket file, nobody listening, not a socket. */
const CONNECT_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ETIMEDOUT']);
/** An open connection broke: the service died or restarted mid-call. */
const BROKEN_CODES = new Set(['ECONNRESET', 'EPIPE']);

interface DockerodeError {
  statusCode?: number;
  code?: string;
  syscall?: string;
  message?: string;
  json?: { message?: string; cause?: string } | null;
}

function asDockerodeError(err: unknown): DockerodeError {
  return typeof err === 'object' && err !== null ? err : { message: String(err) };
}

/** Podman's own words for an HTTP error, without dockerode's "(HTTP code 404) ..." prefix. */
export function podmanMessage(err: unknown): string {
  const e = asDockerodeError(err);
  const fromJson = e.json && typeof e.json === 'object' ? e.json.message : undefined;
  return (fromJson ?? e.message ?? String(err)).trim();
}

/**
 * Turns whatever a dockerode call threw into the matching {@link ContainerError} subclass.
 * Errors that already are `ContainerError`s pass through unchanged.
 */
export function toContainerError(err: unknown, ctx: CallContext): ContainerError {
  if (err instanceof ContainerError) return err;
  const { step, containerId, socketPath } = ctx;
  const e = asDockerodeError(err);

  if (ctx.timedOutAfterMs !== undefined) {
    return new PodmanUnavailableError(socketPath, `no answer within ${ctx.timedOutAfterMs} ms`, {
      step,
      containerId,
      cause: err,
    });
  }
  if (e.code === 'EACCES' && e.syscall === 'connect') {
    return new ContainerError(
      `Permission denied on the Podman API socket ${socketPath}: run as root or give this user the socket's group`,
      { step, containerId, cause: err },
    );
  }
  const connectFailed = e.syscall === 'connect' && e.code !== undefined && CONNECT_CODES.has(e.code);
  const broken = (e.code !== undefined && BROKEN_CODES.has(e.code)) || e.message === 'socket hang up';
  if (connectFailed || broken) {
    const detail =
      e.code === 'ENOENT' ? 'no socket at this path (is the service started?)' : (e.code ?? e.message);
    return new PodmanUnavailableError(socketPath, detail ?? 'connection failed', {
      step,
      containerId,
      cause: err,
    });
  }

  const message = podmanMessage(err);
  if (e.statusCode === 404) {
    if (/no such image|image not known|failed to find image/i.test(message)) {
      return new ImageNotFoundError(ctx.image ?? 'unknown', message, { step, cause: err });
    }
    if (containerId !== undefined && /no such container|no container with/i.test(message)) {
      return new ContainerNotFoundError(containerId, { step, cause: err });
    }
  }
  const where = containerId === undefined ? '' : ` for container ${containerId}`;
  const status = e.statusCode === undefined ? '' : ` (HTTP ${e.statusCode})`;
  return new ContainerError(`Podman refused ${step}${where}${status}: ${message}`, {
    step,
    containerId,
    cause: err,
  });
}
