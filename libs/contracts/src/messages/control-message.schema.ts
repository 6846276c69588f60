import { z } from 'zod';
import { schemaVersion, taskId } from '../common';

/** `cancel`: stop the task's work at once, remove its containers, tell the hub nothing. */
export const cancelMessageSchema = z.object({
  v: schemaVersion,
  type: z.literal('cancel'),
  taskId,
  reason: z.string().max(1000),
});

/** Broadcast on the `koji.control` fanout exchange to every executor. */
export const controlMessageSchema = z.discriminatedUnion('type', [cancelMessageSchema]);

export type CancelMessage = z.infer<typeof cancelMessageSchema>;
export type ControlMessage = z.infer<typeof controlMessageSchema>;
