import { z } from 'zod';
import { arch, isoTime, method, schemaVersion, taskId } from '../common';

/**
 * What the hub-poller publishes to `koji.tasks` for each task it opened, and what an
 * executor consumes. `request` holds the task's decoded arguments as the hub returned
 * them from `getTaskInfo(id, True)`. `session` is the task's own subsession: a secret,
 * never logged and never copied into an event.
 */
export const taskMessageSchema = z.object({
  v: schemaVersion,
  taskId,
  method,
  arch,
  channelId: z.number().int().nonnegative(),
  priority: z.number().int(),
  weight: z.number().nonnegative(),
  parentId: z.number().int().positive().nullable().default(null),
  request: z.array(z.json()),
  session: z.object({
    id: z.number().int().positive(),
    key: z.string().min(1),
  }),
  hub: z.object({
    url: z.url(),
    topurl: z.url(),
  }),
  publishedAt: isoTime,
});

export type TaskMessage = z.infer<typeof taskMessageSchema>;
