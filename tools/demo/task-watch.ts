import { FINISHED_STATES, type HubUser, type TaskStateName } from '../koji-cli/hub-user';
import { type ProgressPrinter } from './progress-printer';

/** How often the hub is asked when no event says the task finished (a task the farm never ran). */
const HUB_CHECK_MS = 2000;

/**
 * Resolves with the task's final state on the hub (CLOSED, FAILED, CANCELED). The farm's
 * events tell when to look; the hub is asked every few seconds as well, because a task
 * can end without an event (the poller fails a dead-lettered task, a user cancels it).
 */
export async function waitUntilFinished(
  hub: HubUser,
  printer: ProgressPrinter,
  taskId: number,
  signal?: AbortSignal,
): Promise<TaskStateName> {
  for (;;) {
    signal?.throwIfAborted();
    const state = await hub.taskState(taskId);
    if (FINISHED_STATES.includes(state)) {
      await printer.drained();
      return state;
    }
    await nextFinishOrTimeout(printer, taskId, signal);
  }
}

/** Resolves when the printer reports the task finished, after HUB_CHECK_MS, or on abort. */
function nextFinishOrTimeout(printer: ProgressPrinter, taskId: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, HUB_CHECK_MS);
    const off = printer.onFinished((task) => {
      if (task.id === taskId) done();
    });
    signal?.addEventListener('abort', done, { once: true });
  });
}
