import { Inject } from '@nestjs/common';
import { type KojiValue } from '@koji-farm/koji';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { BuildHub } from '../../hub/build-hub';
import { ParentTask } from '../../orchestration/parent-task';
import { isScmUrl } from '../../orchestration/scm-url';
import { bindArgs, optsStruct, parameterError, pyStr } from '../../orchestration/task-args';
import { buildError, FAULT, TaskFailureError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';

/**
 * `chainbuild(srcs, target, opts=None)` (kojid's ChainBuildTask): levels of builds in
 * order; each level waits (a `waitrepo` child, "wait N") until the builds of the levels
 * before are in the build tag's repo, then runs its SCM sources as `build` children
 * ("build N,M") and waits for them all. An N-V-R in a level is a build to wait for.
 */
@KojiTaskHandler()
export class ChainBuildHandler {
  constructor(@Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig) {}

  @KojiMethod('chainbuild')
  async run(task: TaskContext): Promise<KojiValue> {
    const a = bindArgs(
      { method: 'chainbuild', params: ['srcs', 'target', 'opts'], required: 2 },
      task.request,
    );
    const opts = optsStruct('chainbuild', a.opts);
    if (opts.scratch) throw buildError('--scratch is not allowed with chain-builds');
    if (!Array.isArray(a.srcs) || a.srcs.some((level) => !Array.isArray(level)))
      throw parameterError('chainbuild: srcs must be a list of build levels (lists of sources and N-V-Rs)');
    const hub = new BuildHub(task.hub, task.signal);
    const target = await hub.getBuildTarget(a.target, null);
    if (!target)
      throw new TaskFailureError(
        FAULT.generic.code,
        FAULT.generic.name,
        `unknown build target: ${pyStr(a.target)}`,
      );
    const parent = new ParentTask(task, this.config.orchestration.pollMs);
    let nvrs: string[] = [];
    for (const [level, sources] of (a.srcs as KojiValue[][]).entries()) {
      if (nvrs.length > 0) {
        const wait = await parent.spawn('waitrepo', [target.build_tag_name, null, nvrs], {
          label: `wait ${level}`,
        });
        await parent.wait([wait], { all: true, failany: true });
      }
      nvrs = [];
      const builds: number[] = [];
      for (const [n, src] of sources.entries()) {
        if (typeof src === 'string' && isScmUrl(src))
          builds.push(await parent.spawn('build', [src, a.target, opts], { label: `build ${level},${n}` }));
        else nvrs.push(pyStr(src));
      }
      if (builds.length > 0) await parent.wait(builds, { all: true, failany: true });
      for (const child of builds) {
        const made = await hub.buildsOfTask(child);
        if (made.length > 0) nvrs.push(made[0].nvr);
      }
    }
    return null;
  }
}
