import { Injectable } from '@nestjs/common';
import { type PoolKind } from './pool-kind';
import { TaskCanceledError } from './errors/task-canceled.error';
import { type RunningTask } from './running-task';

/**
 * The tasks this executor runs now: for cancel, heartbeats (busy, load), the orphan
 * reaper (which containers are in use) and shutdown. A cancel for a task that is not
 * running here is not remembered: a message that arrives later finds the task CANCELED
 * on the hub, or its session logged out, and is dropped then; and a task reassigned to
 * this host arrives as a new message after its cancel and must run (ADR 0055).
 */
@Injectable()
export class RunningTasks {
  private readonly byTask = new Map<number, RunningTask>();

  /** Container slots in use. */
  get busy(): number {
    return this.count('container');
  }

  /** Orchestration slots in use (parent tasks, mostly waiting on their children). */
  get orchestrating(): number {
    return this.count('orchestration');
  }

  private count(pool: PoolKind): number {
    let n = 0;
    for (const task of this.byTask.values()) if (task.pool === pool) n++;
    return n;
  }

  get load(): number {
    let load = 0;
    for (const task of this.byTask.values()) load += task.weight;
    return Math.round(load * 1000) / 1000;
  }

  all(): RunningTask[] {
    return [...this.byTask.values()];
  }

  get(taskId: number): RunningTask | undefined {
    return this.byTask.get(taskId);
  }

  /** True when this attempt of this task runs here (its containers are in use). */
  isRunning(taskId: number, attempt: number): boolean {
    return this.byTask.get(taskId)?.attempt === attempt;
  }

  add(task: RunningTask): void {
    this.byTask.set(task.taskId, task);
  }

  remove(task: RunningTask): void {
    if (this.byTask.get(task.taskId) === task) this.byTask.delete(task.taskId);
  }

  /** Stops the task if it runs here. True when it was running. */
  cancel(taskId: number, reason: string): boolean {
    const task = this.byTask.get(taskId);
    task?.abort(new TaskCanceledError(reason));
    return task !== undefined;
  }
}
