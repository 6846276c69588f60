import { join, posix } from 'node:path';
import {
  BuildrootConfigError,
  buildArgv,
  type BuildrootPlan,
  planBuildroot,
  type PlannedCommand,
  UnsafeBuildrootValueError,
} from '@koji-farm/buildroot';
import {
  CollectingSink,
  type ContainerHandle,
  type ContainerManager,
  ImageNotFoundError,
} from '@koji-farm/container';
import { FastUploader, readRpmHeaderFields } from '@koji-farm/koji';
import { type ExecutorConfig } from '../../config/executor.config';
import { type TaskLogName } from '../../steps/task-logs';
import { buildContainerSpec } from '../../containers/build-container-spec';
import { type RepoInfo } from '../../hub/parent-schemas';
import { TaskHub } from '../../hub/task-hub';
import { isErrorLike } from '../../tasks/errors/error-text';
import { buildError, buildrootError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';
import { BuildrootSession } from '../build-arch/buildroot-session';

/** Where an SRPM task works inside its buildroot. */
export const SRPM_TOPDIR = '/builddir/srpm_unpacked';

/**
 * The buildroot of an SRPM task (rebuildSRPM, buildSRPMFromSCM): kojid's `srpm-build`
 * group installed from the build tag's repo, on an arch the tag and this executor share
 * (kojid's `find_arch('noarch', ...)`), in the same exec pattern as buildArch. The
 * caller runs its own commands in it (`run`) and expires it.
 */
export class SrpmBuildroot {
  private constructor(
    readonly plan: BuildrootPlan,
    readonly session: BuildrootSession,
    readonly container: ContainerHandle,
    private readonly task: TaskContext,
    private readonly stepTimeoutMs: number,
  ) {}

  get brootId(): number {
    return this.session.brootId;
  }

  /**
   * Plans, registers (`host.newBuildRoot`), creates and initialises the buildroot;
   * `srpm` (a host file) is copied in as `plan.srpmDest` when given.
   */
  static async open(
    task: TaskContext,
    config: ExecutorConfig,
    containers: ContainerManager,
    input: {
      method: string;
      repo: RepoInfo;
      buildConfig: Parameters<typeof planBuildroot>[0]['buildConfig'];
      srpm?: string;
      /** The image when the tag names none (default TASK_IMAGE_DEFAULT). */
      image?: string;
      /** `image` keeps the task in its image whatever BUILDROOT_MODE says. */
      mode?: 'image';
    },
  ): Promise<SrpmBuildroot> {
    const hub = new TaskHub(task.hub, task.signal);
    let plan: BuildrootPlan;
    try {
      plan = planBuildroot({
        method: input.method,
        arch: 'noarch',
        buildConfig: input.buildConfig,
        repo: { ...input.repo, create_event: input.repo.create_event ?? undefined },
        topurl: task.topurl,
        group: 'srpm-build',
        srpmFileName: input.srpm ? posix.basename(input.srpm) : 'none.src.rpm',
        hostArches: config.arches,
        host: config.buildHost,
        image: input.image ? { ...config.image, defaultImage: input.image } : config.image,
        mode: input.mode ?? config.buildrootMode,
      });
    } catch (err) {
      if (err instanceof BuildrootConfigError || err instanceof UnsafeBuildrootValueError)
        throw buildrootError(err.message, err);
      throw err;
    }
    const brootId = await hub.newBuildRoot(input.repo.id, plan.buildrootArch, task.taskId);
    task.events.emit({ type: 'buildroot.state', brootId, state: 'INIT' });
    const session = new BuildrootSession(task, config, hub, brootId);
    try {
      await containers.ensureImage(plan.image, config.image.pullPolicy);
    } catch (err) {
      await session.expireQuietly();
      if (err instanceof ImageNotFoundError)
        throw buildrootError(`Buildroot image unavailable: ${err.message}`, err);
      throw err;
    }
    const container = await task.steps.create(
      buildContainerSpec(config, {
        plan,
        taskId: task.taskId,
        attempt: task.attempt,
        method: input.method,
        brootId,
      }),
    );
    const root = new SrpmBuildroot(plan, session, container, task, config.timeouts.stepMs);
    try {
      await task.steps.copyTo(container, Buffer.from(plan.repoFile.content), plan.repoFile.dest, 'repo file');
      await task.steps.copyTo(
        container,
        Buffer.from(plan.macrosFile.content),
        plan.macrosFile.dest,
        'macros file',
      );
      if (input.srpm) await task.steps.copyTo(container, input.srpm, plan.srpmDest, 'SRPM');
      await session.prepare(container, plan);
    } catch (err) {
      await root.close(err);
      throw err;
    }
    return root;
  }

  /** Runs a build-stage command (no network unless BUILD_NETWORK allows); a failure is a BuildError. */
  async run(name: string, argv: string[], log: PlannedCommand['log'] = 'build.log'): Promise<void> {
    await this.session.build(this.container, {
      ...this.plan,
      buildCommand: { name, purpose: 'build', argv, network: 'none', log },
    });
  }

  /** `path` of the root as the bootstrap container sees it (itself in image mode). */
  bootstrapPath(path: string): string {
    return this.plan.mode === 'clean' ? posix.join(this.plan.root, path) : path;
  }

  /**
   * Runs a command with the container's network (a checkout, a sources command), its
   * output in `log`, `env` added to the buildroot's; returns the exit code (the caller
   * says what a failure means). By default it runs in the container (the bootstrap of a
   * clean root); `inRoot` runs it chrooted in a clean root, in `cwd` as the root sees it.
   */
  async runFetching(
    name: string,
    argv: string[],
    options: { log: TaskLogName; cwd: string; env?: Record<string, string>; inRoot?: boolean },
  ): Promise<number> {
    const logs = this.task.logs;
    const chrooted = options.inRoot === true && this.plan.mode === 'clean';
    const command = chrooted
      ? buildArgv(this.plan, ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', options.cwd, ...argv], {
          isolateNetwork: false,
        })
      : argv;
    await logs.note(options.log, `step "exec ${name}": ${command.join(' ')}`);
    const result = await this.task.steps.exec(this.container, command, logs.sink(options.log), {
      name: `exec ${name}`,
      log: options.log,
      cwd: chrooted ? this.plan.workdir : options.cwd,
      env: { ...this.plan.environment, ...options.env },
      timeoutMs: this.stepTimeoutMs,
    });
    if (result.aborted)
      throw isErrorLike(this.task.signal.reason) ? this.task.signal.reason : new Error('aborted');
    await logs.note(
      options.log,
      `step "exec ${name}" ${result.timedOut ? 'timed out' : `exited with code ${result.exitCode}`}`,
    );
    return result.timedOut ? -1 : (result.exitCode ?? -1);
  }

  /**
   * The one SRPM in `dir` (kojid: none or several is a BuildError), its N-V-R checked
   * against its file name, uploaded to the task's directory; returns its work/ path.
   */
  async uploadSrpm(dir: string): Promise<string> {
    const built = (await this.files(dir)).filter((f) => f.endsWith('.src.rpm'));
    if (built.length === 0) throw buildError(`No srpms found in ${dir}`);
    if (built.length > 1)
      throw buildError(`Multiple srpms found in ${dir}: ${built.map((f) => posix.basename(f)).join(', ')}`);
    const header = await readRpmHeaderFields(built[0]);
    const name = `${header.name}-${header.version}-${header.release}.src.rpm`;
    if (name !== posix.basename(built[0]))
      throw buildError(`srpm name mismatch: ${name} != ${posix.basename(built[0])}`);
    await new FastUploader(this.task.hub).upload(
      built[0],
      { path: this.task.uploadPath, name },
      { overwrite: true, signal: this.task.signal },
    );
    return `${this.task.uploadPath}/${name}`;
  }

  /** The task's logs as kojid lists them in an SRPM task's result. */
  logPaths(): string[] {
    return this.task.logs.names.sort().map((log) => `${this.task.uploadPath}/${log}`);
  }

  /**
   * Runs a command and returns its standard output (for file lists): chrooted in a clean
   * root (from /builddir), or in the container (`inBootstrap`, or image mode) in `cwd`.
   */
  async output(
    name: string,
    argv: string[],
    options: { cwd?: string; inBootstrap?: boolean } = {},
  ): Promise<string> {
    const sink = new CollectingSink(1024 * 1024);
    const cwd = options.cwd ?? this.plan.workdir;
    const inRoot = this.plan.mode === 'clean' && options.inBootstrap !== true;
    const command = inRoot ? buildArgv(this.plan, argv, { isolateNetwork: false }) : argv;
    const result = await this.task.steps.exec(this.container, command, sink, {
      name: `exec ${name}`,
      // in the root, the command starts in /builddir (buildArgv); the bootstrap has one too
      cwd: inRoot ? this.plan.workdir : cwd,
      env: this.plan.environment,
      timeoutMs: this.stepTimeoutMs,
    });
    if (result.aborted)
      throw isErrorLike(this.task.signal.reason) ? this.task.signal.reason : new Error('aborted');
    if (result.exitCode !== 0) throw buildError(`step "exec ${name}" exited with code ${result.exitCode}`);
    return sink.stdoutText();
  }

  /** Copies `path` out of the container into the task's work directory; returns the files. */
  async files(path: string): Promise<string[]> {
    const entries = await this.task.steps.copyFrom(
      this.container,
      this.plan.mode === 'clean' ? posix.join(this.plan.root, path) : path,
      join(this.task.workDir, 'out'),
      'results',
    );
    return entries.filter((e) => e.type === 'file').map((e) => e.hostPath);
  }

  async expire(): Promise<void> {
    await this.session.setState('EXPIRED');
  }

  /** Removes the container; after a failure the buildroot is expired too (kojid's way). */
  async close(failure?: unknown): Promise<void> {
    if (failure !== undefined && !this.task.signal.aborted) await this.session.expireQuietly();
    await this.task.steps.remove(this.container);
  }
}
