import { z } from 'zod';
import { buildrootSnapshotEvent, buildrootStateEvent } from './buildroot-events.schema';
import {
  containerCreatedEvent,
  containerRemovedEvent,
  containerStartedEvent,
} from './container-events.schema';
import { executorHeartbeatEvent, executorStoppedEvent } from './executor-events.schema';
import { logChunkEvent } from './log-events.schema';
import { pollerHeartbeatEvent } from './poller-events.schema';
import { stepFinishedEvent, stepStartedEvent } from './step-events.schema';
import {
  taskCancelRequestedEvent,
  taskFinishedEvent,
  taskQueuedEvent,
  taskReceivedEvent,
  taskRefusedEvent,
  taskStartedEvent,
} from './task-events.schema';

/**
 * Every event published to the `koji.events` topic exchange, with the routing key equal
 * to its `type`. This union is the public contract external dashboards read; it is also
 * published as JSON Schema in docs/events.schema.json.
 */
export const farmEventSchema = z.discriminatedUnion('type', [
  taskQueuedEvent,
  taskCancelRequestedEvent,
  taskRefusedEvent,
  taskReceivedEvent,
  taskStartedEvent,
  taskFinishedEvent,
  stepStartedEvent,
  stepFinishedEvent,
  containerCreatedEvent,
  containerStartedEvent,
  containerRemovedEvent,
  logChunkEvent,
  buildrootStateEvent,
  buildrootSnapshotEvent,
  executorHeartbeatEvent,
  executorStoppedEvent,
  pollerHeartbeatEvent,
]);

export type FarmEvent = z.infer<typeof farmEventSchema>;
export type FarmEventType = FarmEvent['type'];
export type FarmEventOf<T extends FarmEventType> = Extract<FarmEvent, { type: T }>;
/** Events about one attempt of one task (they carry taskId, attempt and executorId). */
export type TaskScopedEvent = Extract<FarmEvent, { attempt: number }>;

export const FARM_EVENT_TYPES: FarmEventType[] = [
  ...new Set(farmEventSchema.options.map((o) => ('shape' in o ? o : o.options[0]).shape.type.value)),
];

export function isTaskScoped(event: FarmEvent): event is TaskScopedEvent {
  return 'attempt' in event && typeof event.attempt === 'number';
}
