import { type KojiStruct, type KojiValue, type RpmHeaderFields } from '@koji-farm/koji';
import { type ExecutorConfig } from '../../config/executor.config';
import { BuildHub } from '../../hub/build-hub';
import {
  BUILD_STATE,
  REPO_STATE,
  REPO_STATE_NAMES,
  repoReply,
  type RepoInfo,
} from '../../hub/parent-schemas';
import { RepoHub } from '../../hub/repo-hub';
import { TaskHub } from '../../hub/task-hub';
import { ParentTask } from '../../orchestration/parent-task';
import { RepoWatcher } from '../../orchestration/repo-watcher';
import { pyStr } from '../../orchestration/task-args';
import { isScmUrl } from '../../orchestration/scm-url';
import { buildError, FAULT, TaskFailureError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';
import { outcomeOf } from '../../tasks/task-outcome';
import { type ArchTag, buildArchList, chooseTaskArch } from './arch-list';
import { type MergedBuild, mergeArchResults } from './arch-results';
import { readSrpmHeader } from './srpm-header';

type Opts = Record<string, KojiValue>;

/**
 * One run of `build(src, target, opts)`, kojid's BuildTask: target and tags, the hub's
 * policies, a repo (or a waitrepo child), the SRPM child (`srpm`), `host.initBuild`
 * unless scratch, one buildArch child per arch (labelled by arch), then
 * `host.completeBuild` or `host.moveBuildToScratch`, then a `tagBuild` child (`tag`).
 * Every child has a label, so a run that starts again (its executor died) finds its
 * children instead of making new ones; a build this task already completed is only tagged.
 */
export class BuildRun {
  private readonly hub: BuildHub;
  private readonly repos: RepoHub;
  private readonly parent: ParentTask;
  private eventId: number | null = null;
  private source: KojiStruct | null = null;

  constructor(
    private readonly task: TaskContext,
    private readonly config: ExecutorConfig,
    private readonly src: KojiValue,
    private readonly target: KojiValue,
    private readonly opts: Opts,
  ) {
    this.hub = new BuildHub(task.hub, task.signal);
    this.repos = new RepoHub(task.hub, task.signal);
    this.parent = new ParentTask(task, config.orchestration.pollMs);
  }

  async run(): Promise<KojiValue> {
    const { opts, task } = this;
    const scratch = Boolean(opts.scratch);
    if (opts.arch_override && !scratch) throw buildError('arch_override is only allowed for scratch builds');
    if (typeof this.src !== 'string') throw buildError(`Invalid source specification: ${pyStr(this.src)}`);
    let repo = await this.requestedRepo();
    this.checkUserMetadata();
    const { owner } = await this.hub.taskOwner(task.taskId);
    const { buildTag, destTag, destTagName, targetName } = await this.tags(repo);
    await this.assertPolicies(owner, buildTag, destTag, targetName);
    if (!repo) {
      repo = await this.getRepo(buildTag);
      this.eventId = await this.hub.lastEvent();
    }
    const buildConfig: ArchTag = await new TaskHub(task.hub, task.signal).getBuildConfig(
      buildTag,
      this.eventId,
    );
    const srpm = await this.getSrpm(this.src, buildTag, repo.id, buildConfig);
    const header = await readSrpmHeader(task, srpm);
    const data = this.buildData(header);
    const pkg = await this.hub.getPackageConfig(destTag, header.name, this.eventId);
    if (!opts.skip_tag && !scratch) {
      if (!pkg) throw buildError(`package ${header.name} not in list for tag ${destTagName}`);
      if (pkg.blocked) throw buildError(`package ${header.name} is blocked for tag ${destTagName}`);
    }
    const archlist = buildArchList(buildConfig, header, {
      extraArches: pkg?.extra_arches,
      scratch,
      archOverride: typeof opts.arch_override === 'string' ? opts.arch_override : null,
    });
    if (opts.draft) data.draft = opts.draft;
    if (scratch) {
      const built = await this.runBuilds(srpm, header, buildConfig, buildTag, archlist, repo.id);
      await this.hub.moveBuildToScratch(task.taskId, built.srpm, built.rpms, built.logs);
      return null;
    }
    const buildId =
      (await this.completedBuild(data)) ??
      (await this.buildAndImport(data, srpm, header, buildConfig, buildTag, archlist, repo.id));
    if (!opts.skip_tag) await this.tagBuild(buildId, destTag);
    return null;
  }

  private async buildAndImport(
    data: KojiStruct,
    srpm: string,
    header: RpmHeaderFields,
    buildConfig: ArchTag,
    buildTag: number,
    archlist: string[],
    repoId: number,
  ): Promise<number> {
    const buildId = await this.hub.initBuild(data);
    try {
      const built = await this.runBuilds(srpm, header, buildConfig, buildTag, archlist, repoId);
      await this.hub.completeBuild(
        this.task.taskId,
        buildId,
        built.srpm,
        built.rpms,
        built.brmap,
        built.logs,
      );
    } catch (err) {
      // Only a build that really failed is failed: not one whose task is canceled, or
      // that stops for another attempt (shutdown, lost connection), which resumes it.
      if (outcomeOf(err, this.task.signal).kind === 'failed') {
        await this.hub
          .failBuild(this.task.taskId, buildId)
          .catch((failErr: unknown) =>
            this.task.logger.warn({ err: failErr, buildId }, 'could not fail the build'),
          );
      }
      throw err;
    }
    return buildId;
  }

  /** A redelivered task whose earlier run already completed the build: only the tagging is left. */
  private async completedBuild(data: KojiStruct): Promise<number | null> {
    const existing = await this.hub.getBuild(
      `${pyStr(data.name)}-${pyStr(data.version)}-${pyStr(data.release)}`,
    );
    if (existing?.task_id !== this.task.taskId || existing.state !== BUILD_STATE.COMPLETE) return null;
    this.task.logger.info({ buildId: existing.id }, 'this task completed the build in an earlier attempt');
    return existing.id;
  }

  private async requestedRepo(): Promise<RepoInfo | null> {
    const id = this.opts.repo_id;
    if (id === undefined || id === null) return null;
    const repo = typeof id === 'number' ? await this.hub.repoInfo(id) : null;
    if (!repo) throw buildError(`No such repo: ${pyStr(id)}`);
    if (repo.state !== REPO_STATE.READY && repo.state !== REPO_STATE.EXPIRED)
      throw buildError(`Bad repo: ${repo.id} (${REPO_STATE_NAMES[repo.state] ?? repo.state})`);
    this.eventId = repo.create_event;
    return repo;
  }

  private checkUserMetadata(): void {
    const meta = this.opts.custom_user_metadata;
    if (meta && (typeof meta !== 'object' || Array.isArray(meta) || Buffer.isBuffer(meta)))
      throw buildError('custom_user_metadata must be serializable to a JSON object');
  }

  private async tags(repo: RepoInfo | null) {
    const info = this.target ? await this.hub.getBuildTarget(this.target, this.eventId) : null;
    if (info) {
      if (repo && repo.tag_id !== info.build_tag)
        throw buildError(`Repo/Target mismatch: ${repo.tag_name ?? repo.tag_id}/${info.build_tag_name}`);
      return {
        buildTag: info.build_tag,
        destTag: info.dest_tag,
        destTagName: info.dest_tag_name,
        targetName: info.name,
      };
    }
    if (!repo) throw generic(`unknown build target: ${pyStr(this.target)}`);
    if (this.target === null) {
      this.opts.skip_tag = true;
      return {
        buildTag: repo.tag_id,
        destTag: repo.tag_id,
        destTagName: repo.tag_name ?? '',
        targetName: null,
      };
    }
    const tag = await this.hub.getTag(this.target, { event: this.eventId });
    if (!tag) throw generic(`neither tag nor target: ${pyStr(this.target)}`);
    return { buildTag: repo.tag_id, destTag: tag.id, destTagName: tag.name, targetName: null };
  }

  /** `build_from_srpm` (an uploaded SRPM, not scratch), `build_from_repo_id`, `build_rpm`: the hub decides. */
  private async assertPolicies(owner: number, buildTag: number, destTag: number, target: string | null) {
    const { opts, src, task } = this;
    const data: KojiStruct = {
      user_id: owner,
      source: src,
      task_id: task.taskId,
      build_tag: buildTag,
      skip_tag: Boolean(opts.skip_tag),
      scratch: opts.scratch ?? null,
      draft: opts.draft ?? null,
      from_scm: typeof src === 'string' && isScmUrl(src),
      repo_id: opts.repo_id ?? null,
    };
    if (target !== null) data.target = target;
    if (!opts.skip_tag) data.tag = destTag;
    if (!(typeof src === 'string' && isScmUrl(src)) && !opts.scratch)
      await this.hub.assertPolicy('build_from_srpm', data);
    if (opts.repo_id !== undefined && opts.repo_id !== null)
      await this.hub.assertPolicy('build_from_repo_id', data);
    await this.hub.assertPolicy('build_rpm', data);
  }

  /** kojid's `getRepo`: a repo of the build tag now, or a `waitrepo` child that waits for one. */
  private async getRepo(buildTag: number): Promise<RepoInfo> {
    const builds = Array.isArray(this.opts.wait_builds) ? this.opts.wait_builds.map(String) : [];
    const watcher = await RepoWatcher.create(
      { build: this.hub, repos: this.repos },
      { tag: buildTag, nvrs: builds, minEvent: this.opts.wait_repo ? 'last' : null },
      {
        pollMs: this.config.orchestration.pollMs,
        timeoutMs: this.config.orchestration.repoWaitTimeoutMs,
        signal: this.task.signal,
        logger: this.task.logger,
      },
    );
    const repo = await watcher.getRepo();
    if (repo) return repo;
    const child = await this.parent.spawn('waitrepo', watcher.taskArgs(), { label: 'waitrepo' });
    const result = repoReply.safeParse(await this.parent.waitOne(child));
    if (!result.success) throw generic(`waitrepo task ${child} returned no repo`);
    return result.data;
  }

  /** kojid's `getSRPM`: from SCM, rebuilt in a buildroot (the tag's `rebuild_srpm`), or the upload itself. */
  private async getSrpm(
    src: string,
    buildTag: number,
    repoId: number,
    buildConfig: ArchTag,
  ): Promise<string> {
    const fromScm = isScmUrl(src);
    if (!fromScm) {
      let rebuild = buildConfig.extra?.rebuild_srpm ?? true;
      if (this.opts.scratch && this.opts.rebuild_srpm !== undefined && this.opts.rebuild_srpm !== null)
        rebuild = this.opts.rebuild_srpm;
      if (!rebuild) return src;
    }
    const child = await this.parent.spawn(
      fromScm ? 'buildSRPMFromSCM' : 'rebuildSRPM',
      [src, buildTag, { repo_id: repoId, scratch: this.opts.scratch ?? null }],
      { label: 'srpm', arch: chooseTaskArch('noarch', null, buildConfig) },
    );
    const result = (await this.parent.waitOne(child)) as KojiStruct | null;
    if (result?.source && typeof result.source === 'object') this.source = result.source as KojiStruct;
    else this.task.logger.warn({ child }, 'subtask did not provide source data');
    if (typeof result?.srpm !== 'string') throw buildError(`SRPM task ${child} returned no srpm`);
    return result.srpm;
  }

  private buildData(header: RpmHeaderFields): KojiStruct {
    const data: KojiStruct = {
      name: header.name,
      version: header.version,
      release: header.release,
      epoch: header.epoch,
      task_id: this.task.taskId,
    };
    const extra: KojiStruct = {};
    if (this.source) {
      data.source = this.source.source ?? null;
      extra.source = { original_url: this.source.url ?? null };
    }
    if (this.opts.custom_user_metadata) extra.custom_user_metadata = this.opts.custom_user_metadata;
    if (Object.keys(extra).length > 0) data.extra = extra;
    return data;
  }

  /** kojid's `runBuilds`: one buildArch child per arch (the first keeps the SRPM), all awaited, a failure cancels the rest. */
  private async runBuilds(
    srpm: string,
    header: RpmHeaderFields,
    buildConfig: ArchTag,
    buildTag: number,
    archlist: string[],
    repoId: number,
  ): Promise<MergedBuild> {
    const children = new Map<string, number>();
    let keepSrpm = true;
    for (const arch of archlist) {
      const taskArch = chooseTaskArch(arch, header, buildConfig);
      const args: KojiValue[] = [srpm, buildTag, arch, keepSrpm, { repo_id: repoId }];
      children.set(arch, await this.parent.spawn('buildArch', args, { label: arch, arch: taskArch }));
      keepSrpm = false;
    }
    const results = await this.parent.wait([...children.values()], { all: true, failany: true });
    return mergeArchResults(children, results, this.task.taskId);
  }

  private async tagBuild(buildId: number, destTag: number): Promise<void> {
    const child = await this.parent.spawn('tagBuild', [destTag, buildId, false, null, true], {
      label: 'tag',
      arch: 'noarch',
    });
    await this.parent.waitOne(child);
  }
}

function generic(message: string): TaskFailureError {
  return new TaskFailureError(FAULT.generic.code, FAULT.generic.name, message);
}
