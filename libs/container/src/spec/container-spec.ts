import type { ContainerOwner } from '../labels';

/**
 * A soft and hard resource limit, as `ulimit -S`/`-H` shows them. Both must stay at or
 * below the host's hard limit (the manager's `maxUlimit`, 20000 on the farm's hosts):
 * Podman fails to start a container asking for more.
 */
export interface Ulimit {
  soft: number;
  hard: number;
}

/** Podman's network modes; `none` (the default) leaves the container with only `lo`. */
export type NetworkMode = 'none' | 'host' | 'bridge' | (string & {});

/** A host directory or file made visible inside the container. */
export interface BindMount {
  /** Absolute host path. Podman creates a missing host directory (Docker would refuse). */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
}

/** cgroup limits. Unset fields mean "no limit" except the ulimits, which always apply. */
export interface ResourceLimits {
  /** Memory limit; a command that needs more is OOM-killed (its exec exits with 137). */
  memoryBytes?: number;
  /**
   * Memory plus swap. Defaults to `memoryBytes` (no swap) so the memory limit is a real
   * limit; -1 means unlimited swap.
   */
  memorySwapBytes?: number;
  /** CPU share in cores, e.g. 1.5 (Podman's `NanoCpus`). */
  cpus?: number;
  /** Maximum number of processes/threads in the container (fork fails beyond it). */
  pidsLimit?: number;
  /** Size of /dev/shm (Podman's default is 64 MiB). */
  shmSizeBytes?: number;
  /**
   * Open files; default 1024/1024. Always sent together with `nproc` (see ADR 0012).
   * PID 1 gets exactly this; Podman sometimes raises an exec's soft limit to the hard
   * one, so give soft = hard when it matters.
   */
  nofile?: Ulimit;
  /** Processes per user; default 4096/4096. Always sent together with `nofile`. */
  nproc?: Ulimit;
}

/** Privilege settings. The defaults keep Podman's capability set and forbid privilege gain. */
export interface SecurityOptions {
  /** Capabilities to drop, e.g. `['ALL']`; names with or without `CAP_`. */
  capDrop?: readonly string[];
  /** Capabilities to add back after `capDrop`. Applied, though `inspect` shows `CapAdd: []`. */
  capAdd?: readonly string[];
  /** `no-new-privileges`: setuid binaries gain nothing. Default true. */
  noNewPrivileges?: boolean;
  /**
   * Read-only root file system. Podman still mounts writable tmpfs on /tmp, /var/tmp and
   * /run; give every other writable path as a `tmpfs` or a mount.
   */
  readOnlyRootfs?: boolean;
}

/**
 * Everything `ContainerManager.create` needs. Unknown fields are refused, so a typo does
 * not silently lose a limit. See ADR 0012 for what Podman applies, ignores and rejects.
 */
export interface ContainerSpec {
  /** Image reference, e.g. `localhost/koji-farm-buildroot:bookworm`; must be present (see `ensureImage`). */
  image: string;
  /** Who the container works for; becomes the `io.koji-farm.{executor,task,attempt}` labels. */
  owner: ContainerOwner;
  /** Container name; default `kf-<task>-<attempt>-<random>`. */
  name?: string;
  /**
   * The container's main command (Podman's `Cmd`); default `['sleep', 'infinity']`, which
   * keeps the container up for execs. An image `Entrypoint`, if any, still applies.
   */
  argv?: readonly string[];
  /** Environment of the main command and, unless an exec overrides a variable, of every exec. */
  env?: Readonly<Record<string, string>>;
  /** Working directory of the main command and default cwd of execs (absolute). */
  workdir?: string;
  /** `user`, `uid` or `uid:gid` for the main command and default of execs. */
  user?: string;
  /**
   * Extra labels; every key must start with `io.koji-farm.` and none may be an owner
   * label. The manager's `defaultLabels` are added too.
   */
  labels?: Readonly<Record<string, string>>;
  mounts?: readonly BindMount[];
  /**
   * tmpfs mounts: container path → mount options, e.g. `{'/scratch': 'rw,size=2g,mode=1777'}`.
   * The size bounds scratch space (there is no disk quota). Over a directory that exists
   * in the image, Podman copies its content up and keeps its mode (`mode=` is ignored).
   */
  tmpfs?: Readonly<Record<string, string>>;
  /**
   * Default `none`. Use `host` to reach a server on this machine's loopback; `bridge`
   * adds ~100 ms to remove. An unknown network fails at create.
   */
  network?: NetworkMode;
  resources?: ResourceLimits;
  security?: SecurityOptions;
  /**
   * Run a tiny init (catatonit) as PID 1, default true: it reaps zombies and forwards
   * SIGTERM, which `sleep infinity` as PID 1 would ignore. Needs catatonit on the host.
   */
  init?: boolean;
}

/** The main command when the spec gives none: keeps the container alive for execs. */
export const DEFAULT_ARGV: readonly string[] = ['sleep', 'infinity'];
export const DEFAULT_NETWORK: NetworkMode = 'none';
/** Same as the farm's containers.conf `default_ulimits`. */
export const DEFAULT_NOFILE: Ulimit = { soft: 1024, hard: 1024 };
export const DEFAULT_NPROC: Ulimit = { soft: 4096, hard: 4096 };
