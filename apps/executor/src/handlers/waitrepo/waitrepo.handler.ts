import { Inject } from '@nestjs/common';
import { type KojiValue } from '@koji-farm/koji';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { BuildHub } from '../../hub/build-hub';
import { RepoHub } from '../../hub/repo-hub';
import { RepoWatcher } from '../../orchestration/repo-watcher';
import { bindArgs, parameterError, pyStr } from '../../orchestration/task-args';
import { FAULT, TaskFailureError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';

/**
 * `waitrepo(tag, newer_than=None, nvrs=None, min_event=None)` (kojid's WaitrepoTask):
 * waits until the hub has a READY repo of the tag that is recent enough and holds the
 * builds; returns its repo info. Polls every ORCHESTRATION_POLL_MS (kojid: 60 s), fails
 * after REPO_WAIT_TIMEOUT_MINUTES.
 */
@KojiTaskHandler()
export class WaitrepoHandler {
  constructor(@Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig) {}

  @KojiMethod('waitrepo')
  async run(task: TaskContext): Promise<KojiValue> {
    const a = bindArgs(
      { method: 'waitrepo', params: ['tag', 'newer_than', 'nvrs', 'min_event'], required: 1 },
      task.request,
    );
    const build = new BuildHub(task.hub, task.signal);
    const repos = new RepoHub(task.hub, task.signal);
    let minEvent = a.min_event;
    if (a.newer_than !== null) {
      if (minEvent !== null) throw generic('newer_than and min_event args confict');
      minEvent = await this.legacyMinEvent(a.tag, a.newer_than, task);
    }
    if (minEvent !== null && minEvent !== 'last' && typeof minEvent !== 'number')
      throw parameterError(`waitrepo: invalid min_event ${pyStr(minEvent)}`);
    const nvrs = a.nvrs === null ? [] : a.nvrs;
    if (!Array.isArray(nvrs) || nvrs.some((n) => typeof n !== 'string'))
      throw parameterError('waitrepo: nvrs must be a list of N-V-R strings');
    const watcher = await RepoWatcher.create(
      { build, repos },
      { tag: a.tag, nvrs: nvrs as string[], minEvent },
      {
        pollMs: this.config.orchestration.pollMs,
        timeoutMs: this.config.orchestration.repoWaitTimeoutMs,
        signal: task.signal,
        logger: task.logger,
      },
    );
    const repo = await watcher.waitrepo();
    task.logger.info({ repoId: repo.id, tag: watcher.tag.name }, 'got a repo');
    return repo as unknown as KojiValue;
  }

  /** The legacy `newer_than`: "now" means the tag's last change; a timestamp its first change after it. */
  private async legacyMinEvent(tag: KojiValue, newerThan: KojiValue, task: TaskContext): Promise<KojiValue> {
    if (typeof newerThan === 'string' && newerThan.toLowerCase() === 'now') return 'last';
    if (typeof newerThan !== 'number') throw generic(`Invalid value for newer_than: ${pyStr(newerThan)}`);
    const base = await task.hub.call<{ id: number } | null>('getLastEvent', [], {
      before: newerThan,
      strict: false,
    });
    const first = await task.hub.call('tagFirstChangeEvent', [tag], { after: base?.id ?? null });
    return first ?? 'last';
  }
}

function generic(message: string): TaskFailureError {
  return new TaskFailureError(FAULT.generic.code, FAULT.generic.name, message);
}
