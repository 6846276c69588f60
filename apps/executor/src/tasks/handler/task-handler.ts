import { type KojiValue } from '@koji-farm/koji';
import { type TaskContext } from './task-context';

/**
 * One Koji method (`buildArch`, ...). `run` does the task's work and returns the result
 * the hub gets with `host.closeTask`. It fails by throwing: a TaskFailureError (sent to
 * the hub with its fault code), a TaskCanceledError (nothing sent), or anything else
 * (infrastructure: the message is requeued). Containers it creates are its to remove.
 */
export interface TaskHandler {
  readonly method: string;
  run(context: TaskContext): Promise<KojiValue>;
}

/** Nest multi-provider token under which every handler registers. */
export const TASK_HANDLERS = Symbol('TASK_HANDLERS');
