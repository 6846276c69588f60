import { join, posix } from 'node:path';
import { Inject } from '@nestjs/common';
import {
  BuildrootConfigError,
  type BuildrootPlan,
  planBuildroot,
  UnsafeBuildrootValueError,
} from '@koji-farm/buildroot';
import {
  ContainerManager,
  type ContainerHandle,
  type EnsuredImage,
  ImageNotFoundError,
} from '@koji-farm/container';
import {
  DownloadError,
  Downloader,
  FastUploader,
  type KojiValue,
  readRpmHeaderFields,
  RpmHeaderError,
} from '@koji-farm/koji';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { buildContainerSpec } from '../../containers/build-container-spec';
import { ExecutorStateStore } from '../../containers/executor-state.store';
import { SnapshotCache } from '../../buildroots/snapshot-cache';
import { TaskHub } from '../../hub/task-hub';
import { stoppedQuietly } from '../../tasks/errors/stopped-quietly';
import { buildError, buildrootError, TaskFailureError } from '../../tasks/errors/task-failure.error';
import { StateLog } from '../../steps/state-log';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';
import { parseBuildArchRequest, type BuildArchRequest } from './build-arch-request';
import { BuildrootSession } from './buildroot-session';
import { writeHwInfo } from './hw-info';

/**
 * `buildArch(pkg, root, arch, keep_srpm, opts)` (protocol §7) as the seed's exec
 * pattern: hub facts → plan (libs/buildroot) → create → copy repo file, macros, SRPM →
 * exec the init commands (root.log) → setBuildRootList, BUILDING → exec the build
 * (build.log) → copy the results out → upload → EXPIRED → remove. Result:
 * `{rpms, srpms, logs, brootid}` with paths relative to `work/`. Besides root.log and
 * build.log, as kojid's mock does: hw_info.log (the host as the container sees it) and
 * state.log (each phase and step with its start time and duration).
 */
@KojiTaskHandler()
export class BuildArchHandler {
  private readonly method = 'buildArch';

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
    @Inject(ExecutorStateStore) private readonly state: ExecutorStateStore,
    @Inject(SnapshotCache) private readonly snapshots: SnapshotCache,
  ) {}

  @KojiMethod('buildArch')
  async run(ctx: TaskContext): Promise<KojiValue> {
    const request = parseBuildArchRequest(ctx.request);
    await ctx.logs.open(['root.log', 'build.log', 'hw_info.log', 'state.log', 'installed_pkgs.log']);
    const stateLog = new StateLog(ctx.logs);
    const unfollow = stateLog.follow(ctx.steps);
    try {
      return await this.build(ctx, request, stateLog);
    } finally {
      unfollow();
      await stateLog.flush();
    }
  }

  private async build(ctx: TaskContext, request: BuildArchRequest, stateLog: StateLog): Promise<KojiValue> {
    const hub = new TaskHub(ctx.hub, ctx.signal);
    const repo = await hub.repoInfo(request.repoId);
    await ctx.logs.note(
      'root.log',
      `buildArch of ${request.pkg} for ${request.arch}, build tag ${request.root}, repo ${repo.id}`,
    );
    const srpm = await stateLog.phase('download SRPM', () => this.downloadSrpm(ctx, request));
    const buildConfig = await hub.getBuildConfig(request.root, repo.create_event);
    const plan = this.plan(
      ctx,
      request,
      buildConfig,
      repo,
      posix.basename(request.pkg),
      await buildRequires(srpm),
    );
    const brootId = await hub.newBuildRoot(repo.id, plan.buildrootArch, ctx.taskId);
    ctx.events.emit({ type: 'buildroot.state', brootId, state: 'INIT' });
    await ctx.logs.note(
      'root.log',
      `buildroot ${brootId}: ${plan.mode} mode, ${plan.mode === 'clean' ? 'bootstrap ' : ''}image ${plan.image} (${plan.imageSource}), repo ${plan.repoUrl}` +
        (plan.buildRequires.length > 0 ? `, BuildRequires: ${plan.buildRequires.join(', ')}` : ''),
    );

    const session = new BuildrootSession(ctx, this.config, hub, brootId);
    let container: ContainerHandle | undefined;
    let keep = false;
    try {
      const image = await this.ensureImage(plan.image);
      const snapshot = await this.snapshots.use(ctx, plan, image.id, brootId);
      const made = await stateLog.phase('chroot init', async () => {
        const handle = await ctx.steps.create(
          buildContainerSpec(this.config, {
            plan: snapshot.plan,
            taskId: ctx.taskId,
            attempt: ctx.attempt,
            method: this.method,
            brootId,
          }),
        );
        container = handle;
        await writeHwInfo(ctx, this.containers, handle, image, this.config.timeouts.stepMs);
        // A snapshot holds the repo and macros files already: their content is part of its key.
        if (snapshot.lookup.outcome !== 'hit') {
          await ctx.steps.copyTo(handle, Buffer.from(plan.repoFile.content), plan.repoFile.dest, 'repo file');
          await ctx.steps.copyTo(
            handle,
            Buffer.from(plan.macrosFile.content),
            plan.macrosFile.dest,
            'macros file',
          );
        }
        await session.prepare(handle, snapshot.plan, {
          afterGroup: snapshot.afterGroup?.(handle),
          groupRpms: snapshot.groupRpms,
        });
        // After the snapshot's commit: no task's SRPM is kept in a snapshot.
        await ctx.steps.copyTo(handle, srpm, plan.srpmDest, 'SRPM');
        return { handle };
      });
      await stateLog.phase('build phase', () => session.build(made.handle, plan));
      const resultDir = join(ctx.workDir, 'out');
      const entries = await ctx.steps.copyFrom(made.handle, plan.resultDir, resultDir, 'results');
      const rpms = entries
        .filter((e) => e.type === 'file' && e.path.endsWith('.rpm') && !e.path.endsWith('.src.rpm'))
        .map((e) => e.hostPath);
      const result = await stateLog.phase('upload results', () =>
        this.upload(ctx, rpms, request.keepSrpm ? srpm : undefined),
      );
      await session.setState('EXPIRED');
      return { ...result, logs: this.logPaths(ctx), brootid: brootId };
    } catch (err) {
      keep = this.config.containers.keepFailed && container !== undefined && err instanceof TaskFailureError;
      if (!stoppedQuietly(ctx.signal, err)) await session.expireQuietly();
      if (keep && container) await this.noteKept(ctx, container);
      throw err;
    } finally {
      if (container) await ctx.steps.remove(container, keep);
    }
  }

  private plan(
    ctx: TaskContext,
    request: BuildArchRequest,
    buildConfig: Parameters<typeof planBuildroot>[0]['buildConfig'],
    repo: Parameters<typeof planBuildroot>[0]['repo'],
    srpmFileName: string,
    requires: string[],
  ): BuildrootPlan {
    try {
      return planBuildroot({
        method: this.method,
        arch: request.arch,
        buildConfig,
        repo,
        topurl: ctx.topurl,
        group: 'build',
        srpmFileName,
        hostArches: this.config.arches,
        host: this.config.buildHost,
        image: this.config.image,
        mode: this.config.buildrootMode,
        buildRequires: requires,
      });
    } catch (err) {
      if (err instanceof BuildrootConfigError || err instanceof UnsafeBuildrootValueError) {
        throw buildrootError(err.message, err);
      }
      throw err;
    }
  }

  private async downloadSrpm(ctx: TaskContext, request: BuildArchRequest): Promise<string> {
    const destination = join(ctx.workDir, 'srpm', posix.basename(request.pkg));
    try {
      await new Downloader(ctx.hub).downloadWork(request.pkg, destination, { signal: ctx.signal });
    } catch (err) {
      if (err instanceof DownloadError && !err.retryable)
        throw buildError(`SRPM file missing: ${request.pkg} (${err.message})`, err);
      throw err;
    }
    return destination;
  }

  private async ensureImage(image: string): Promise<EnsuredImage> {
    try {
      return await this.containers.ensureImage(image, this.config.image.pullPolicy);
    } catch (err) {
      if (err instanceof ImageNotFoundError)
        throw buildrootError(`Buildroot image unavailable: ${err.message}`, err);
      throw err;
    }
  }

  private async upload(
    ctx: TaskContext,
    rpms: readonly string[],
    srpm: string | undefined,
  ): Promise<{ rpms: string[]; srpms: string[] }> {
    const uploader = new FastUploader(ctx.hub);
    const send = async (file: string) => {
      const name = posix.basename(file);
      await uploader.upload(file, { path: ctx.uploadPath, name }, { overwrite: true, signal: ctx.signal });
      await ctx.logs.note('root.log', `uploaded ${name}`);
      return `${ctx.uploadPath}/${name}`;
    };
    const uploaded: string[] = [];
    for (const file of [...rpms].sort()) uploaded.push(await send(file));
    return { rpms: uploaded, srpms: srpm ? [await send(srpm)] : [] };
  }

  private logPaths(ctx: TaskContext): string[] {
    return ctx.logs.names.sort().map((name) => `${ctx.uploadPath}/${name}`);
  }

  private async noteKept(ctx: TaskContext, container: ContainerHandle): Promise<void> {
    const ttlMs = this.config.containers.keptTtlMs;
    const until = new Date(Date.now() + ttlMs).toISOString();
    try {
      await this.state.markKept(container.id, ttlMs, `task ${ctx.taskId} attempt ${ctx.attempt}`);
      await ctx.logs.note(
        'root.log',
        `the failed buildroot's container ${container.id.slice(0, 12)} is kept until ${until} for debugging: ` +
          `podman exec -it ${container.id.slice(0, 12)} /bin/sh`,
      );
    } catch (err) {
      ctx.logger.warn(
        { err, containerId: container.id },
        'could not record a kept container; the reaper may remove it',
      );
    }
  }
}

/** The SRPM's BuildRequires (mock installs them before rpmbuild); an unreadable SRPM is a BuildError. */
async function buildRequires(srpm: string): Promise<string[]> {
  try {
    return (await readRpmHeaderFields(srpm)).requires;
  } catch (err) {
    if (err instanceof RpmHeaderError) throw buildError(`Could not read the SRPM: ${err.message}`, err);
    throw err;
  }
}
