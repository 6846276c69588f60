/** Where `scripts/setup-host.sh` starts Podman's API service. */
export const DEFAULT_PODMAN_SOCKET = '/run/podman/podman.sock';
/** Bound on each control call (create, start, inspect, kill, remove, list); not on copies or exec streams. */
export const DEFAULT_API_TIMEOUT_MS = 30_000;
/** The farm hosts' hard `nofile`/`nproc` limit: Podman cannot start a container asking for more. */
export const DEFAULT_MAX_ULIMIT = 20_000;

/** Settings of a {@link ContainerManager}; every field has a default. */
export interface ContainerManagerOptions {
  /** Path of Podman's Docker-compatible API socket. Default {@link DEFAULT_PODMAN_SOCKET}. */
  socketPath?: string;
  /**
   * Labels put on every container this manager creates, e.g. `{'io.koji-farm.test':
   * 'true'}` in tests. Keys must start with `io.koji-farm.`.
   */
  defaultLabels?: Readonly<Record<string, string>>;
  /**
   * How long a control call may wait for Podman before failing with a (retryable)
   * `PodmanUnavailableError`. Default {@link DEFAULT_API_TIMEOUT_MS}.
   */
  apiTimeoutMs?: number;
  /** Highest soft/hard ulimit a spec may ask for. Default {@link DEFAULT_MAX_ULIMIT}. */
  maxUlimit?: number;
}
