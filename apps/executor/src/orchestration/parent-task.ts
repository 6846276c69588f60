import { setTimeout as delay } from 'node:timers/promises';
import { KojiFault, type KojiValue } from '@koji-farm/koji';
import { type LoggerLike } from '@koji-farm/observability';
import { SubtaskHub, type SubtaskOptions } from '../hub/subtask-hub';
import { TaskFailureError } from '../tasks/errors/task-failure.error';
import { type TaskContext } from '../tasks/handler/task-context';

export interface WaitOptions {
  /** Wait for every child (else: return when one has finished). */
  all?: boolean;
  /** With `all`: a child that failed cancels the others and fails the parent at once. */
  failany?: boolean;
  /** Children that may fail without failing the parent. */
  canfail?: number[];
}

/**
 * What a parent task does with its children, as kojid's `BaseTaskHandler.subtask` and
 * `wait`: spawn them with a label (the hub returns the existing child for a known label,
 * so a parent that runs again after its executor died finds its children instead of
 * making new ones), mark them awaited, poll `host.taskWait` every ORCHESTRATION_POLL_MS
 * (the parent is `waiting` meanwhile: it counts for nothing in the host's load), then
 * take their results with `host.taskWaitResults`.
 */
export class ParentTask {
  readonly hub: SubtaskHub;
  private readonly logger: LoggerLike;

  constructor(
    private readonly ctx: TaskContext,
    private readonly pollMs: number,
  ) {
    this.hub = new SubtaskHub(ctx.hub, ctx.signal);
    this.logger = ctx.logger.child({ component: 'parent-task' });
  }

  get id(): number {
    return this.ctx.taskId;
  }

  async spawn(method: string, args: KojiValue[], options: SubtaskOptions): Promise<number> {
    const child = await this.hub.subtask(method, args, this.id, options);
    this.logger.info({ child, childMethod: method, label: options.label, arch: options.arch }, 'subtask');
    return child;
  }

  /** Waits for one child and returns its result (raises its fault when it failed). */
  async waitOne(child: number): Promise<KojiValue> {
    return (await this.wait([child])).get(child) ?? null;
  }

  /** kojid's `wait(subtasks, all, failany, canfail)`: the finished children's results by id. */
  async wait(children: number[], options: WaitOptions = {}): Promise<Map<number, KojiValue>> {
    const checked = new Set(options.canfail ?? []);
    await this.hub.taskSetWait(this.id, children);
    this.logger.debug({ children }, 'waiting on subtasks');
    let finished: number[] = [];
    for (;;) {
      const [done, unfinished] = await this.hub.taskWait(this.id);
      finished = done;
      if (unfinished.length === 0) break;
      if (done.length > 0) {
        if (!options.all) break;
        if (options.failany) await this.failOnFailedChild(done, checked);
      }
      await delay(this.pollMs, undefined, { signal: this.ctx.signal });
    }
    const results = await this.childResults(options.all ? children : finished, options.canfail);
    this.logger.debug({ children: [...results.keys()] }, 'finished waiting');
    return results;
  }

  /** kojid: a failed (or canceled) child cancels the other children and fails the parent with its error. */
  private async failOnFailedChild(finished: number[], checked: Set<number>): Promise<void> {
    for (const child of finished) {
      if (checked.has(child)) continue;
      try {
        await this.hub.getTaskResult(child);
        checked.add(child);
      } catch (err) {
        if (!isChildFault(err)) throw err;
        this.logger.info(
          { child, fault: err.faultString },
          'subtask failed or was canceled; cancelling the others',
        );
        await this.hub.cancelTaskChildren(this.id);
        throw childFailure(err);
      }
    }
  }

  private async childResults(children: number[], canfail?: number[]): Promise<Map<number, KojiValue>> {
    try {
      return await this.hub.taskWaitResults(this.id, children, canfail);
    } catch (err) {
      throw isChildFault(err) ? childFailure(err) : err;
    }
  }
}

/** A fault the hub raised for a child's stored result (not trouble with the call: those are retryable). */
function isChildFault(err: unknown): err is KojiFault {
  return err instanceof KojiFault && !err.retryable;
}

/** The parent fails with its child's fault: the same code and text, as kojid re-raises it. */
function childFailure(fault: KojiFault): TaskFailureError {
  return new TaskFailureError(fault.faultCode, fault.name, fault.faultString, { cause: fault });
}
