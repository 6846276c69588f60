import { Agent } from 'node:http';

import Docker, { type ContainerInspectInfo, type DockerOptions } from 'dockerode';

import { ArchiveCopier } from './archive/archive-copier';
import type { CopySource, CopyToOptions } from './archive/copy-source';
import type { ExtractedEntry } from './archive/safe-tar-extract';
import type { ContainerHandle, ContainerRef, ContainerSummary, ImageSummary } from './container-handle';
import {
  DEFAULT_API_TIMEOUT_MS,
  DEFAULT_MAX_ULIMIT,
  DEFAULT_PODMAN_SOCKET,
  type ContainerManagerOptions,
} from './container-manager-options';
import { ContainerNotFoundError } from './errors/container-not-found.error';
import { ContainerError } from './errors/container.error';
import { ImageNotFoundError } from './errors/image-not-found.error';
import { InvalidContainerRequestError } from './errors/invalid-container-request.error';
import { ExecRunner } from './exec/exec-runner';
import type { ExecSink } from './exec/exec-sink';
import { ExecStopper } from './exec/exec-stopper';
import type { ExecOptions, ExecResult } from './exec/exec-types';
import { ImageEnsurer } from './image/image-ensurer';
import type { EnsuredImage, PullPolicy } from './image/pull-policy';
import { PodmanClient } from './podman-client';
import { toPodmanVersion, type PodmanVersion } from './podman-version';
import { buildCreateOptions } from './spec/build-create-options';
import type { ContainerSpec } from './spec/container-spec';
import { containerSpecSchema, describeIssues, extraLabelsSchema } from './spec/container-spec.schema';

/**
 * After how long version() asks Podman again (in the background): a busy executor asks
 * once a minute instead of once per build.
 */
export const VERSION_CACHE_MS = 60_000;

/**
 * The only door to Podman: creates, starts, runs commands in, copies into and out of, and
 * removes containers through Podman's Docker-compatible API (dockerode over the API
 * socket, ADR 0010). Knows nothing of Koji. Framework-free; `ContainerModule` provides it
 * to Nest apps.
 *
 * The pattern it is built for: `ensureImage` → `create` → `start` → `copyTo` → `exec`
 * (each step) → `copyFrom` → `remove(handle, {force: true})` in a `finally`.
 *
 * Errors are {@link ContainerError} subclasses saying the step, the container and whether
 * a retry may help (`retryable`). The manager logs nothing: callers log.
 */
export class ContainerManager {
  /** The API socket this manager talks to. */
  readonly socketPath: string;
  private readonly defaultLabels: Readonly<Record<string, string>>;
  private readonly agent: Agent;
  private readonly client: PodmanClient;
  private readonly specSchema: ReturnType<typeof containerSpecSchema>;
  private readonly images: ImageEnsurer;
  private readonly execs: ExecRunner;
  private readonly archives: ArchiveCopier;
  private closed = false;
  /** Podman's last /version answer and when it came; see version(). */
  private knownVersion?: { version: PodmanVersion; at: number };
  /** The /version request under way, shared by its callers. */
  private versionAsked?: Promise<PodmanVersion>;

  /** @throws InvalidContainerRequestError when a default label is not under `io.koji-farm.`. */
  constructor(options: ContainerManagerOptions = {}) {
    this.socketPath = options.socketPath ?? DEFAULT_PODMAN_SOCKET;
    const labels = extraLabelsSchema.safeParse(options.defaultLabels ?? {});
    if (!labels.success) {
      throw new InvalidContainerRequestError(
        describeIssues(labels.error).map((p) => `defaultLabels.${p}`),
        {
          step: 'create',
        },
      );
    }
    this.defaultLabels = { ...labels.data };
    this.specSchema = containerSpecSchema(options.maxUlimit ?? DEFAULT_MAX_ULIMIT);
    // Our own agent so close() can drop its idle keep-alive connections.
    this.agent = new Agent({ keepAlive: true });
    const dockerOptions: DockerOptions & { agent: Agent } = {
      socketPath: this.socketPath,
      agent: this.agent,
    };
    this.client = new PodmanClient(
      new Docker(dockerOptions),
      this.socketPath,
      options.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS,
    );
    this.images = new ImageEnsurer(this.client);
    this.execs = new ExecRunner(this.client, new ExecStopper(this.client));
    this.archives = new ArchiveCopier(this.client);
  }

  /**
   * Checks that Podman's API answers (for readiness probes).
   * @throws PodmanUnavailableError (retryable) naming the socket path.
   */
  async ping(): Promise<void> {
    await this.client.call({ step: 'ping' }, () => this.client.docker.ping());
  }

  /**
   * Podman's version, API version, kernel and parts (for hw_info.log). Podman's
   * `/version` runs conmon, the OCI runtime and friends with `--version` to answer
   * (about 0.9 s on these machines, most of a warm buildroot's start), so only the first
   * call waits for it: later calls get the last answer at once, and one older than
   * {@link VERSION_CACHE_MS} is asked again in the background (an upgraded Podman shows
   * in the next build's hw_info.log). Concurrent first callers share one request; a
   * failed request is not kept.
   * @throws PodmanUnavailableError (retryable) naming the socket path, when nothing was
   *   answered yet.
   */
  version(): Promise<PodmanVersion> {
    const known = this.knownVersion;
    if (known && Date.now() - known.at >= VERSION_CACHE_MS) void this.askVersion().catch(() => undefined);
    return known ? Promise.resolve(known.version) : this.askVersion();
  }

  private askVersion(): Promise<PodmanVersion> {
    this.versionAsked ??= this.client
      .call({ step: 'ping' }, () => this.client.docker.version())
      .then((answer: unknown) => {
        const version = toPodmanVersion(answer);
        this.knownVersion = { version, at: Date.now() };
        return version;
      })
      .finally(() => {
        this.versionAsked = undefined;
      });
    return this.versionAsked;
  }

  /**
   * Makes sure `ref` is in local storage, pulling it as `policy` says.
   * @throws ImageNotFoundError when it is missing under `never` or the pull fails.
   */
  ensureImage(ref: string, policy: PullPolicy): Promise<EnsuredImage> {
    return this.images.ensure(ref, policy);
  }

  /**
   * Creates (does not start) a container. The image must be in local storage. Every
   * container gets the owner labels and the manager's default labels.
   * @throws InvalidContainerRequestError listing every problem of the spec.
   * @throws ImageNotFoundError when the image is not in local storage.
   */
  async create(spec: ContainerSpec): Promise<ContainerHandle> {
    const parsed = this.specSchema.safeParse(spec);
    if (!parsed.success) {
      throw new InvalidContainerRequestError(describeIssues(parsed.error), { step: 'create' });
    }
    const body = buildCreateOptions(parsed.data, this.defaultLabels);
    const container = await this.client.call({ step: 'create', image: spec.image }, (signal) =>
      this.client.docker.createContainer({ ...body, abortSignal: signal }),
    );
    return {
      id: container.id,
      name: body.name ?? container.id,
      image: spec.image,
      labels: body.Labels ?? {},
    };
  }

  /** Starts a created container (its main command, `sleep infinity` by default). */
  async start(ref: ContainerRef): Promise<void> {
    await this.client.call({ step: 'start', containerId: ref.id }, (signal) =>
      this.client.docker.getContainer(ref.id).start({ abortSignal: signal }),
    );
  }

  /**
   * Runs `argv` (no shell: wrap in `['sh', '-c', ...]` for one) in a running container and
   * streams its stdout and stderr, apart, into `sink` as they arrive. Resolves when the
   * command ended, with its exit code; a non-zero exit is a result, not an error.
   *
   * `timeoutMs` and `signal` kill the command and all processes it started (SIGKILL to its
   * process group; processes that made their own session escape: remove the container to
   * be sure), and the result says `timedOut` / `aborted`. A signal already aborted runs
   * nothing (`exitCode: null`).
   *
   * @throws ExecInterruptedError (retryable) when the output stream ended while the
   *   command was still running (Podman's API service restarted).
   * @throws ContainerError when the container is not running, or with the sink's error as
   *   cause when the sink threw (the command is killed first).
   */
  exec(
    ref: ContainerRef,
    argv: readonly string[],
    sink: ExecSink,
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    return this.execs.run(ref, argv, sink, options);
  }

  /**
   * Copies a host file, a host directory (recursively) or a Buffer into the container so
   * that it ends up exactly at `destPath` (a directory's content lands under `destPath`).
   * Missing parent directories are created. Modes and mtimes of host files are kept;
   * owner is root unless `options.uid/gid` say otherwise. Streamed: big files are not
   * held in memory. Works on created and running containers.
   * @throws InvalidContainerRequestError for a relative `destPath` or an unreadable source.
   */
  copyTo(ref: ContainerRef, source: CopySource, destPath: string, options?: CopyToOptions): Promise<void> {
    return this.archives.copyTo(ref, source, destPath, options);
  }

  /**
   * Copies `containerPath` (a file or a directory tree) out of the container into
   * `hostDir` (created if missing), keeping its base name: `/builddir/result` arrives as
   * `hostDir/result/...`. Extraction never writes outside `hostDir`.
   * @returns every entry written, in archive order.
   * @throws UnsafeArchiveEntryError naming the first entry that would escape `hostDir`.
   */
  copyFrom(ref: ContainerRef, containerPath: string, hostDir: string): Promise<ExtractedEntry[]> {
    return this.archives.copyFrom(ref, containerPath, hostDir);
  }

  /** Podman's full description of the container (state, config, host config). */
  inspect(ref: ContainerRef): Promise<ContainerInspectInfo> {
    return this.client.call({ step: 'inspect', containerId: ref.id }, (signal) =>
      this.client.docker.getContainer(ref.id).inspect({ abortSignal: signal }),
    );
  }

  /** Sends a signal (default SIGKILL) to the container's main process; every exec ends with it. */
  async kill(ref: ContainerRef, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.client.call({ step: 'kill', containerId: ref.id }, (abortSignal) =>
      this.client.docker.getContainer(ref.id).kill({ signal, abortSignal }),
    );
  }

  /**
   * Removes the container and its anonymous volumes. `force` also kills a running one.
   * Idempotent: a container that is already gone is not an error.
   * @returns true when this call removed it, false when it did not exist.
   */
  async remove(ref: ContainerRef, options: { force?: boolean } = {}): Promise<boolean> {
    try {
      await this.client.call({ step: 'remove', containerId: ref.id }, (signal) =>
        this.client.docker
          .getContainer(ref.id)
          .remove({ force: options.force ?? false, v: true, abortSignal: signal }),
      );
      return true;
    } catch (err) {
      if (err instanceof ContainerNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Every container (running or not) carrying all the given labels; `true` matches any
   * value. E.g. `listByLabel({'io.koji-farm.executor': executorId})` finds a crashed
   * executor's orphans.
   */
  async listByLabel(labels: Readonly<Record<string, string | true>>): Promise<ContainerSummary[]> {
    const filters = Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
    if (filters.length === 0) {
      throw new InvalidContainerRequestError(['listByLabel needs at least one label'], { step: 'list' });
    }
    const found = await this.client.call({ step: 'list' }, (signal) =>
      this.client.docker.listContainers({ all: true, filters: { label: filters }, abortSignal: signal }),
    );
    return found.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      image: c.Image,
      labels: c.Labels ?? {},
      state: c.State,
      createdAt: new Date(c.Created * 1000),
    }));
  }

  /**
   * Commits the container's file system as the image `repo:tag` with `labels` added to
   * the container's own (Podman's compat commit; the container keeps running, unpaused:
   * the caller runs nothing in it meanwhile). The tag moves to the new image only when
   * the commit is complete. Unbounded: its duration grows with the container's changes.
   * @returns the new image's id
   */
  async commit(
    ref: ContainerRef,
    target: { repo: string; tag: string; labels: Readonly<Record<string, string>> },
  ): Promise<string> {
    const changes = Object.entries(target.labels).map(([k, v]) => `LABEL ${k}=${v}`);
    const reply = await this.client.unbounded(
      { step: 'commit', containerId: ref.id },
      () =>
        this.client.docker
          .getContainer(ref.id)
          .commit({ repo: target.repo, tag: target.tag, pause: false, changes }) as Promise<{ Id?: string }>,
    );
    return reply.Id?.startsWith('sha256:') ? reply.Id : `sha256:${reply.Id ?? ''}`;
  }

  /** An image in local storage, or undefined when there is none under `ref`. */
  async inspectImage(ref: string): Promise<ImageSummary | undefined> {
    try {
      const info = await this.client.call({ step: 'image', image: ref }, () =>
        this.client.docker.getImage(ref).inspect(),
      );
      return {
        id: info.Id,
        tags: info.RepoTags ?? [],
        labels: info.Config?.Labels ?? {},
        sizeBytes: info.Size,
        createdAt: new Date(info.Created),
      };
    } catch (err) {
      if (err instanceof ImageNotFoundError) return undefined;
      throw err;
    }
  }

  /** Images in local storage carrying all the given labels (`true`: any value), dangling ones too. */
  async listImagesByLabel(labels: Readonly<Record<string, string | true>>): Promise<ImageSummary[]> {
    const filters = Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
    if (filters.length === 0) {
      throw new InvalidContainerRequestError(['listImagesByLabel needs at least one label'], {
        step: 'list',
      });
    }
    const found = await this.client.call({ step: 'list' }, () =>
      this.client.docker.listImages({ all: true, filters: { label: filters } }),
    );
    return found.map((i) => ({
      id: i.Id,
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      labels: i.Labels ?? {},
      sizeBytes: i.Size,
      createdAt: new Date(i.Created * 1000),
    }));
  }

  /**
   * Removes an image (by id or reference; a reference only untags when the image has
   * other tags). Not forced: an image a container uses stays.
   * @returns true when removed, false when it was not there or is in use
   */
  async removeImage(ref: string): Promise<boolean> {
    try {
      await this.client.call({ step: 'remove', image: ref }, () => this.client.docker.getImage(ref).remove());
      return true;
    } catch (err) {
      if (err instanceof ImageNotFoundError || err instanceof ContainerNotFoundError) return false;
      if (err instanceof ContainerError && /in use|has dependent|conflict/i.test(err.message)) return false;
      throw err;
    }
  }

  /** Drops idle API connections. In-flight calls finish; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.agent.destroy();
  }
}
