import { type FarmEvent, type TaskError } from '@koji-farm/contracts';

export type BoardState = 'queued' | 'running' | 'requeued' | 'closed' | 'failed' | 'canceled';

/** The step of a task that failed, to show its log's last lines. */
export interface FailedStep {
  attempt: number;
  step: number;
  name: string;
  log?: string;
}

export interface BoardTask {
  id: number;
  method: string;
  arch: string;
  parentId: number | null;
  state: BoardState;
  executorId?: string;
  attempt: number;
  currentStep?: { step: number; name: string; log?: string };
  error?: TaskError;
  failedStep?: FailedStep;
}

const FINAL: readonly BoardState[] = ['closed', 'failed', 'canceled'];

/**
 * Folds the farm's events into one line per change, the way `koji watch-task` reports
 * a task tree (`12 buildArch (kf-hello-1.0-1.src.rpm, x86_64): queued -> running
 * (executor-1)`), plus each container step with its duration. Pure: the caller adds
 * the time and prints; `label` gives a task's koji label (`buildArch (x.src.rpm, x86_64)`).
 */
export class TaskBoard {
  private readonly tasks = new Map<number, BoardTask>();

  constructor(private readonly label: (task: BoardTask) => string) {}

  task(id: number): BoardTask | undefined {
    return this.tasks.get(id);
  }

  isFinal(id: number): boolean {
    const task = this.tasks.get(id);
    return task !== undefined && FINAL.includes(task.state);
  }

  /** The lines this event adds to the report (often none). */
  apply(event: FarmEvent): string[] {
    switch (event.type) {
      case 'task.queued': {
        const known = this.tasks.get(event.taskId);
        const task = this.remember(event.taskId, event.method, event.arch, event.parentId);
        if (known && (event.generation ?? 1) > 1)
          return [`${this.head(task)}: ${known.state} -> queued again (a new hub session)`];
        if (known) return [];
        return [`${this.head(task)}: queued`];
      }
      case 'task.received': {
        const task = this.remember(event.taskId, event.method, event.arch, event.parentId);
        task.executorId = event.executorId;
        task.attempt = event.attempt;
        return [];
      }
      case 'task.started': {
        const task = this.remember(event.taskId, event.method, event.arch, null);
        const before = this.stateText(task);
        task.state = 'running';
        task.executorId = event.executorId;
        task.attempt = event.attempt;
        task.currentStep = undefined;
        return [`${this.head(task)}: ${before} -> ${this.stateText(task)}`];
      }
      case 'step.started': {
        const task = this.tasks.get(event.taskId);
        if (!task) return [];
        task.currentStep = { step: event.step, name: event.name, log: event.log };
        return event.kind === 'exec' ? [`${this.stepHead(task)} step ${event.step} ${event.name} ...`] : [];
      }
      case 'step.finished': {
        const task = this.tasks.get(event.taskId);
        if (!task) return [];
        const log = task.currentStep?.step === event.step ? task.currentStep.log : undefined;
        if (event.status !== 'ok')
          task.failedStep = { attempt: event.attempt, step: event.step, name: event.name, log };
        const exit = event.status !== 'ok' && event.exitCode !== null ? ` (exit ${event.exitCode})` : '';
        return [
          `${this.stepHead(task)} step ${event.step} ${event.name}: ${event.status}${exit} ${formatDuration(event.durationMs)}`,
        ];
      }
      case 'task.finished': {
        const task = this.remember(event.taskId, 'task', 'noarch', null);
        const before = this.stateText(task);
        task.state = event.state;
        task.currentStep = undefined;
        if (event.state === 'failed') {
          task.error = event.error;
          const why = event.error ? `: ${event.error.name}: ${event.error.message}` : '';
          return [`${this.head(task)}: ${before} -> FAILED${why}`];
        }
        const took = event.state === 'closed' ? ` in ${formatDuration(event.durationMs)}` : '';
        return [`${this.head(task)}: ${before} -> ${event.state}${took}`];
      }
      case 'task.cancel-requested': {
        const task = this.tasks.get(event.taskId);
        return task ? [`${this.head(task)}: cancel requested (${event.reason})`] : [];
      }
      case 'executor.stopped':
        return [`executor ${event.executorId} stopped (${event.reason})`];
      default:
        return [];
    }
  }

  /** `2 queued  1 running  3 closed  0 failed`, like koji's task list status. */
  summary(ids: Iterable<number> = this.tasks.keys()): string {
    const counts: Record<string, number> = { queued: 0, running: 0, closed: 0, failed: 0, canceled: 0 };
    for (const id of ids) {
      const state = this.tasks.get(id)?.state;
      if (state === 'requeued') counts.queued++;
      else if (state) counts[state]++;
    }
    return Object.entries(counts)
      .filter(([state, n]) => n > 0 || state === 'failed')
      .map(([state, n]) => `${n} ${state}`)
      .join('  ');
  }

  /** The task and everything below it that the board has seen. */
  tree(rootId: number): number[] {
    return [...this.tasks.keys()].filter((id) => this.isUnder(id, rootId));
  }

  private isUnder(id: number, rootId: number): boolean {
    for (let current: number | null | undefined = id, hops = 0; current && hops < 20; hops++) {
      if (current === rootId) return true;
      current = this.tasks.get(current)?.parentId;
    }
    return false;
  }

  private remember(id: number, method: string, arch: string, parentId: number | null): BoardTask {
    let task = this.tasks.get(id);
    if (!task) {
      task = { id, method, arch, parentId, state: 'queued', attempt: 1 };
      this.tasks.set(id, task);
    } else {
      if (task.method === 'task' && method !== 'task') task.method = method;
      if (task.parentId === null && parentId !== null) task.parentId = parentId;
    }
    return task;
  }

  private stateText(task: BoardTask): string {
    if (task.state !== 'running') return task.state;
    const attempt = task.attempt > 1 ? `, attempt ${task.attempt}` : '';
    return `running (${task.executorId ?? '?'}${attempt})`;
  }

  private depth(task: BoardTask): number {
    let depth = 0;
    for (let parent = task.parentId; parent !== null && depth < 20; depth++)
      parent = this.tasks.get(parent)?.parentId ?? null;
    return depth;
  }

  private head(task: BoardTask): string {
    return `${'  '.repeat(this.depth(task))}${task.id} ${this.label(task)}`;
  }

  private stepHead(task: BoardTask): string {
    return `${'  '.repeat(this.depth(task) + 1)}${task.id}`;
  }
}

/** `0.31s`, `12.0s`, `2m03s`. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
