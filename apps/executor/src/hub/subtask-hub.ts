import { type KojiValue } from '@koji-farm/koji';
import { HubCalls, kwargs } from './hub-calls';
import { taskIdReply, taskWaitReply, taskWaitResultsReply } from './parent-schemas';

export interface SubtaskOptions {
  /** Unique per parent: the hub hands back the same child for the same label (a resumed parent). */
  label: string;
  arch?: string;
}

/** A parent task's calls about its children (protocol §5), on the parent's subsession. */
export class SubtaskHub extends HubCalls {
  /** `host.subtask(method, arglist, parent, label=, arch=)`: the child's id (the existing one for a known label). */
  async subtask(method: string, args: KojiValue[], parent: number, options: SubtaskOptions): Promise<number> {
    return this.checkedCall('host.subtask', taskIdReply, [method, args, parent], kwargs({ ...options }));
  }

  async taskSetWait(parent: number, children: number[] | null): Promise<void> {
    await this.call('host.taskSetWait', [parent, children]);
  }

  /** `[finished, unfinished]` among the awaited children (the finished ones are no longer awaited after this). */
  async taskWait(parent: number): Promise<[number[], number[]]> {
    return this.checkedCall('host.taskWait', taskWaitReply, [parent]);
  }

  /** The children's results; raises the fault of a failed child not in `canfail`. */
  async taskWaitResults(
    parent: number,
    children: number[],
    canfail?: number[],
  ): Promise<Map<number, KojiValue>> {
    const rows = await this.checkedCall(
      'host.taskWaitResults',
      taskWaitResultsReply,
      [parent, children],
      kwargs({ canfail }),
    );
    return new Map(rows.map(([id, result]) => [id, result as KojiValue]));
  }

  /** The result of a finished task; raises its fault when it failed or was canceled. */
  async getTaskResult(taskId: number): Promise<KojiValue> {
    return this.call('getTaskResult', [taskId]);
  }

  async cancelTaskChildren(parent: number): Promise<void> {
    await this.call('cancelTaskChildren', [parent]);
  }
}
