import { type BuildConfigFacts } from '@koji-farm/buildroot';
import { type KojiValue } from '@koji-farm/koji';
import { BuildHub } from '../../hub/build-hub';
import { type RepoInfo } from '../../hub/parent-schemas';
import { RepoHub } from '../../hub/repo-hub';
import { TaskHub } from '../../hub/task-hub';
import { buildError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';

/** The repo an SRPM task builds against: `opts.repo_id`, refused as kojid refuses it. */
export function requireRepoId(opts: Record<string, KojiValue>): number {
  const repoId = opts.repo_id;
  if (typeof repoId !== 'number' || repoId <= 0) throw buildError('A repo id must be provided');
  return repoId;
}

/**
 * The repo and the build tag's config as they were at the repo's event (kojid's
 * `getTag(build_tag, strict=True, event=repo_info['create_event'])`), which an SRPM
 * task's buildroot is planned from.
 */
export async function srpmBuildTag(
  task: TaskContext,
  buildTag: KojiValue,
  repoId: number,
): Promise<{ repo: RepoInfo; buildConfig: BuildConfigFacts }> {
  const repo = await new RepoHub(task.hub, task.signal).repoInfo(repoId);
  const tag = await new BuildHub(task.hub, task.signal).getTag(buildTag, {
    strict: true,
    event: repo.create_event,
  });
  const buildConfig = await new TaskHub(task.hub, task.signal).getBuildConfig(tag!.id, repo.create_event);
  return { repo, buildConfig };
}
