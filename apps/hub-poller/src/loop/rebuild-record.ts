import { type TaskClaim } from '../capacity/capacity-tracker';
import { type HubGateway } from '../hub/hub-gateway';
import { TASK_STATE } from '../hub/koji-states';
import { type TaskPublisher } from '../messaging/task-publisher';
import { type InFlightStore } from '../state/in-flight-store';
import { type InFlightTask } from '../state/in-flight-task';

/**
 * The in-flight record of a task the hub lists OPEN on this host and a live executor
 * runs, rebuilt after Redis lost it (killed and restarted empty, flushed): from the hub's
 * task row and the executor's claim. The task keeps running; with its record back, the
 * reconciler follows it again (a cancel on the hub reaches its executor, its end is
 * noticed). The message's subsession id is not known (nothing but the message held it):
 * `null`, so the poller does not end it; it ends with the master session.
 */
export async function rebuildRecord(
  deps: { hub: HubGateway; inFlight: InFlightStore; publisher: TaskPublisher },
  claim: TaskClaim,
  weight: number,
  signal?: AbortSignal,
): Promise<InFlightTask | undefined> {
  const info = await deps.hub.getTaskInfoWithRequest(claim.taskId, signal);
  if (!info || info.state !== TASK_STATE.OPEN || deps.inFlight.has(claim.taskId)) return undefined;
  const route = deps.publisher.route(info.method, info.arch);
  const record: InFlightTask = {
    taskId: claim.taskId,
    method: info.method,
    arch: info.arch,
    queue: route.queue,
    orchestration: route.orchestration,
    weight,
    priority: info.priority,
    channelId: info.channel_id,
    parentId: info.parent,
    masterSessionId: deps.hub.sessionId!,
    subsessionId: null,
    generation: claim.generation,
    publishedAt: new Date().toISOString(),
  };
  await deps.inFlight.put(record);
  return record;
}
