import { type FarmEvent } from '@koji-farm/contracts';
import { taskLabel } from '../koji-cli/task-label';
import { type HubUser } from '../koji-cli/hub-user';
import { type BoardTask, TaskBoard } from './task-board';

/** Lines of a failed step's log shown under the failure. */
const FAILED_LOG_LINES = 15;

/**
 * Prints the farm's progress live, one line per change with the time since the watch
 * began, as `koji watch-task` does. A task's label comes from the hub
 * (`getTaskInfo(id, request=True)`, once per task); a failed step's log tail from the
 * monitor's REST API. Events are handled one at a time, in the order they arrived.
 */
export class ProgressPrinter {
  readonly board: TaskBoard;
  private readonly labels = new Map<number, string>();
  private readonly startedAt = Date.now();
  private queue: Promise<void> = Promise.resolve();
  private readonly finishedListeners = new Set<(task: BoardTask) => void>();

  constructor(
    private readonly hub: HubUser,
    private readonly monitorUrl: string,
    private readonly write: (line: string) => void,
  ) {
    this.board = new TaskBoard((task) => this.labels.get(task.id) ?? `${task.method} (${task.arch})`);
  }

  /** Queues an event; lines come out in arrival order. */
  push(event: FarmEvent): void {
    this.queue = this.queue
      .then(() => this.handle(event))
      .catch((err: Error) => this.say(`(progress: ${err.message})`));
  }

  /** Resolves once every event pushed so far is printed. */
  drained(): Promise<void> {
    return this.queue;
  }

  /** Calls `listener` after a task's final state (closed, failed, canceled) was printed. */
  onFinished(listener: (task: BoardTask) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  /** A line with the elapsed time in front. */
  say(text: string): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    this.write(`[${seconds.padStart(6)}s] ${text}`);
  }

  private async handle(event: FarmEvent): Promise<void> {
    if ('taskId' in event && (event.type === 'task.queued' || event.type === 'task.received'))
      await this.learnLabel(event.taskId);
    for (const line of this.board.apply(event)) this.say(line);
    if (event.type === 'task.finished' && this.board.isFinal(event.taskId)) {
      const task = this.board.task(event.taskId)!;
      if (task.state === 'failed') await this.showFailedLog(task);
      for (const listener of [...this.finishedListeners]) listener(task);
    }
  }

  private async learnLabel(taskId: number): Promise<void> {
    if (this.labels.has(taskId)) return;
    try {
      const info = await this.hub.taskInfo(taskId);
      if (info) this.labels.set(taskId, taskLabel(info));
    } catch {
      // the label falls back to "method (arch)"
    }
  }

  private async showFailedLog(task: BoardTask): Promise<void> {
    const failed = task.failedStep;
    if (!failed?.log) return;
    const url =
      `${this.monitorUrl}/api/v1/tasks/${task.id}/logs/${encodeURIComponent(failed.log)}` +
      `?attempt=${failed.attempt}&tail=${FAILED_LOG_LINES}`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) return;
      const text = (await response.text()).trimEnd();
      if (!text) return;
      this.write(`    last lines of ${failed.log} (step ${failed.step} ${failed.name}):`);
      for (const line of text.split('\n')) this.write(`      ${line}`);
    } catch (err) {
      this.write(`    (could not read ${failed.log}: ${(err as Error).message})`);
    }
  }
}
