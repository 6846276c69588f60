import { z } from 'zod';
import { attempt, identifier, isoTime, schemaVersion, taskId } from '../common';

/**
 * Fields every event carries. `seq` counts up from 1 per `(taskId, attempt)` for task
 * events and per process incarnation for executor and poller events; together with the
 * event's key it lets a consumer fold events idempotently and in order.
 */
export const envelope = {
  v: schemaVersion,
  id: z.uuid(),
  at: isoTime,
  seq: z.number().int().positive(),
};

/** Events emitted by an executor about one attempt of one task. */
export const taskScope = {
  ...envelope,
  executorId: identifier,
  taskId,
  attempt,
};

/** Events emitted by an executor about itself. */
export const executorScope = {
  ...envelope,
  executorId: identifier,
};

/** Events emitted by a hub-poller. */
export const pollerScope = {
  ...envelope,
  pollerId: identifier,
};
