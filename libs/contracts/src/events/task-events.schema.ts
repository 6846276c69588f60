import { z } from 'zod';
import { arch, method, taskId } from '../common';
import { pollerScope, taskScope } from './event-envelope';

/** The poller opened a task on the hub and queued its message. */
export const taskQueuedEvent = z.object({
  ...pollerScope,
  type: z.literal('task.queued'),
  taskId,
  method,
  arch,
  queue: z.string(),
  priority: z.number().int(),
  weight: z.number().nonnegative(),
  parentId: z.number().int().positive().nullable(),
  /**
   * 1 for a task's first message; higher when the poller queued it again with a fresh
   * subsession after a new master session (restart, takeover). Absent from older pollers.
   */
  generation: z.number().int().positive().optional(),
});

/** The poller asked executors to cancel a task (cancelled or reassigned on the hub). */
export const taskCancelRequestedEvent = z.object({
  ...pollerScope,
  type: z.literal('task.cancel-requested'),
  taskId,
  reason: z.string(),
});

/**
 * The poller refused a task the hub assigned to this host (`host.refuseTask`): no live
 * executor of the farm offers its method (for its arch). The hub assigns it again later,
 * to this host or another; until then it is in no queue of the farm.
 */
export const taskRefusedEvent = z.object({
  ...pollerScope,
  type: z.literal('task.refused'),
  taskId,
  method,
  arch,
  /** A soft refusal lets the hub offer the task to this host again after a while. */
  soft: z.boolean(),
  reason: z.string().max(1000),
});

/** An executor took a task message off its queue. */
export const taskReceivedEvent = z.object({
  ...taskScope,
  type: z.literal('task.received'),
  method,
  arch,
  parentId: z.number().int().positive().nullable(),
});

/** The task's handler started working (after validation and subsession set-up). */
export const taskStartedEvent = z.object({
  ...taskScope,
  type: z.literal('task.started'),
  method,
  arch,
});

export const taskErrorSchema = z.object({
  /** The Koji fault code sent to the hub with failTask, or null when none was sent. */
  faultCode: z.number().int().nullable(),
  name: z.string(),
  message: z.string(),
});

/**
 * The attempt ended. `closed` and `failed` were accepted by the hub; `canceled` means
 * the work was stopped and nothing was sent; `requeued` means the message went back to
 * the queue (shutdown, infrastructure trouble) and another attempt will follow.
 */
export const taskFinishedEvent = z.object({
  ...taskScope,
  type: z.literal('task.finished'),
  state: z.enum(['closed', 'failed', 'canceled', 'requeued']),
  result: z.json().optional(),
  error: taskErrorSchema.optional(),
  durationMs: z.number().nonnegative(),
});

export type TaskQueuedEvent = z.infer<typeof taskQueuedEvent>;
export type TaskRefusedEvent = z.infer<typeof taskRefusedEvent>;
export type TaskCancelRequestedEvent = z.infer<typeof taskCancelRequestedEvent>;
export type TaskReceivedEvent = z.infer<typeof taskReceivedEvent>;
export type TaskStartedEvent = z.infer<typeof taskStartedEvent>;
export type TaskFinishedEvent = z.infer<typeof taskFinishedEvent>;
export type TaskError = z.infer<typeof taskErrorSchema>;
