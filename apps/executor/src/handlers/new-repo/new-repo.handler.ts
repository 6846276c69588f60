import { Inject } from '@nestjs/common';
import { canonArch, type KojiStruct, type KojiValue } from '@koji-farm/koji';
import { z } from 'zod';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { BuildHub } from '../../hub/build-hub';
import { HubReplyError } from '../../hub/hub-reply.error';
import { type RepoInfo, type TagInfo } from '../../hub/parent-schemas';
import { RepoHub } from '../../hub/repo-hub';
import { ParentTask } from '../../orchestration/parent-task';
import { bindArgs, parameterError } from '../../orchestration/task-args';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';

const createrepoResult = z.tuple([z.string(), z.array(z.string())]);

/**
 * `newRepo(tag, event=None, src=None, debuginfo=None, separate_src=None, opts=None)`
 * (kojid's NewRepoTask): `host.repoInit`, one `createrepo` child per repo arch (labelled
 * by arch; `--update` from the tag's previous repo), all awaited, `host.repoDone`.
 * Result `[repo_id, event_id]`. The repo arches are those `repo_init` makes a pkglist
 * for (the tag's canonical arches, and `src` with `separate_src`): kojid lists the
 * directory, which it has on its KojiDir mount; the farm reads through `topurl`.
 */
@KojiTaskHandler()
export class NewRepoHandler {
  constructor(@Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig) {}

  @KojiMethod('newRepo')
  async run(task: TaskContext): Promise<KojiValue> {
    const a = bindArgs(
      {
        method: 'newRepo',
        params: ['tag', 'event', 'src', 'debuginfo', 'separate_src', 'opts'],
        required: 1,
      },
      task.request,
    );
    const build = new BuildHub(task.hub, task.signal);
    const repos = new RepoHub(task.hub, task.signal);
    const event = a.event === null ? null : Number(a.event);
    const tag = (await build.getTag(a.tag, { strict: true, event }))!;
    const opts = legacyOpts(a);
    const [repoId, eventId] = await repos.repoInit(tag.id, task.taskId, event, opts);
    task.logger.info({ repoId, eventId, tag: tag.name }, 'repo initialised');
    const repo = await repos.repoInfo(repoId);
    const oldrepo = await this.oldRepo(build, repos, tag);
    const parent = new ParentTask(task, this.config.orchestration.pollMs);
    const children = new Map<string, number>();
    for (const arch of repoArches(tag, repo)) {
      const args: KojiValue[] = [repoId, arch, oldrepo as KojiStruct | null];
      children.set(arch, await parent.spawn('createrepo', args, { label: arch, arch: 'noarch' }));
    }
    const results = await parent.wait([...children.values()], { all: true, failany: true });
    const data: Record<string, [string, string[]]> = {};
    for (const [arch, child] of children) {
      const parsed = createrepoResult.safeParse(results.get(child));
      if (!parsed.success)
        throw new HubReplyError('host.taskWaitResults', `createrepo result of task ${child}`);
      data[arch] = parsed.data;
    }
    await repos.repoDone(repoId, data);
    return [repoId, eventId];
  }

  /** kojid's `get_old_repo`: the tag's newest READY repo, else a hinted tag's, else the nearest parent's. */
  private async oldRepo(
    build: BuildHub,
    repos: RepoHub,
    tag: TagInfo,
  ): Promise<Record<string, unknown> | null> {
    const own = await repos.latestRepo(tag.id);
    if (own) return { ...own, tag_id: tag.id };
    const hint = tag.extra?.['repo.oldrepo_hint'];
    for (const name of Array.isArray(hint) ? hint : hint ? [hint] : []) {
      const ref = await build.getTag(name as KojiValue);
      const repo = ref ? await repos.latestRepo(ref.id) : null;
      if (ref && repo) return { ...repo, tag_id: ref.id };
    }
    const parents = [...(await repos.fullInheritance(tag.id))].sort((x, y) => x.currdepth - y.currdepth);
    for (const link of parents) {
      const repo = await repos.latestRepo(link.parent_id);
      if (repo) return { ...repo, tag_id: link.parent_id };
    }
    return null;
  }
}

/** The deprecated src/debuginfo/separate_src arguments become `opts`; both at once is a ParameterError. */
function legacyOpts(a: Record<string, KojiValue>): KojiValue {
  const legacy: KojiStruct = {};
  if (a.src !== null) legacy.src = Boolean(a.src);
  if (a.debuginfo !== null) legacy.debuginfo = Boolean(a.debuginfo);
  if (a.separate_src !== null) legacy.separate_src = Boolean(a.separate_src);
  if (Object.keys(legacy).length === 0) return a.opts;
  if (a.opts !== null) throw parameterError('opts parameter cannot be combined with legacy options');
  return legacy;
}

/** The arches `repo_init` writes a pkglist for: `src` with separate_src, then the tag's canonical arches. */
export function repoArches(tag: TagInfo, repo: RepoInfo): string[] {
  const arches = new Set<string>();
  if (repo.opts?.separate_src) arches.add('src');
  for (const arch of (tag.arches ?? '').split(/\s+/).filter(Boolean).map(canonArch))
    if (arch !== 'src' && arch !== 'noarch') arches.add(arch);
  return [...arches];
}
