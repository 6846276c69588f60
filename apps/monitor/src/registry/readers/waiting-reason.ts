import { isOrchestrationMethod } from '@koji-farm/contracts';
import { type ExecutorView } from '../views/farm.views';
import { type TaskSummaryView, type WaitingView } from '../views/task.views';

/**
 * Why a queued task waits: no live executor serves it, every slot that could run it is
 * busy, or it is simply behind others in its queue. Pure, so that it is easy to test.
 */
export function waitingReason(
  task: TaskSummaryView,
  executors: readonly ExecutorView[],
  position: number | null,
): WaitingView {
  const orchestration = task.method !== null && isOrchestrationMethod(task.method);
  const serving = executors.filter(
    (e) =>
      e.state === 'alive' &&
      (task.method === null || e.methods.length === 0 || e.methods.includes(task.method)) &&
      (orchestration ? e.orchestrationSlots > 0 : task.arch === null || e.arches.includes(task.arch)),
  );
  const slots = serving.reduce((sum, e) => sum + (orchestration ? e.orchestrationSlots : e.slots), 0);
  const busy = serving.reduce((sum, e) => sum + (orchestration ? e.orchestrating : e.busy), 0);
  const where =
    position === null
      ? `in ${task.queue ?? 'its queue'}`
      : `position ${position} in ${task.queue ?? 'its queue'}`;
  const what = orchestration
    ? `orchestration of ${task.method}`
    : `${task.method ?? 'tasks'} on ${task.arch ?? 'its arch'}`;
  const base = { queue: task.queue, position, executors: serving.length, slots, busy };
  if (serving.length === 0) {
    return { ...base, reason: 'no-executor', message: `no live executor serves ${what}; ${where}` };
  }
  if (busy >= slots) {
    // An unhealthy executor offers 0 container slots: say why, it is what an operator can fix.
    const unhealthy = orchestration ? [] : serving.filter((e) => !e.healthy);
    const why = unhealthy.map(
      (e) => `${e.id} takes no tasks: ${e.problems.map((p) => p.message).join('; ')}`,
    );
    return {
      ...base,
      reason: 'slots-busy',
      message: `all ${slots} slots of the ${serving.length} executor(s) serving ${what} are busy; ${[...why, where].join('; ')}`,
    };
  }
  return { ...base, reason: 'in-queue', message: `${slots - busy} of ${slots} slots free; ${where}` };
}

/**
 * Why a task the poller refused waits: it is in no queue of the farm; the hub assigns it
 * again after its soft-refusal timeout, to this host or another one.
 */
export function refusedReason(reason: string | null): WaitingView {
  const why = reason ?? 'no live executor of the farm offers it';
  return {
    reason: 'refused',
    message: `refused by the hub-poller (${why}); the hub will assign it again later, to this farm or another host`,
    queue: null,
    position: null,
    executors: 0,
    slots: 0,
    busy: 0,
  };
}
