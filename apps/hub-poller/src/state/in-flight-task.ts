import { z } from 'zod';
import { arch, isoTime, method, taskId } from '@koji-farm/contracts';

/**
 * One task the leader opened and queued, as kept in Redis (never the session key). It
 * stays until the hub no longer lists the task as OPEN on this host.
 */
export const inFlightTaskSchema = z.object({
  taskId,
  method,
  arch,
  queue: z.string().min(1),
  orchestration: z.boolean(),
  weight: z.number().nonnegative(),
  priority: z.number().int(),
  channelId: z.number().int().nonnegative(),
  parentId: z.number().int().positive().nullable(),
  /** The master session the task's subsession belongs to: another one means it is dead. */
  masterSessionId: z.number().int().positive(),
  /** null: a record rebuilt after Redis lost it (rebuild-record.ts); the message alone knew it. */
  subsessionId: z.number().int().positive().nullable(),
  /**
   * A subsession of a later master session handed to the attempt that runs the message
   * (ADR 0082): the attempt's credentials now, while the message's stay dead.
   */
  handedOver: z
    .object({
      masterSessionId: z.number().int().positive(),
      subsessionId: z.number().int().positive(),
      executorId: z.string().min(1),
      /** The executor's attempt number that took it: another attempt of the message needs its own. */
      attempt: z.number().int().positive(),
    })
    .optional(),
  /** 1 for the first message of the task, +1 for each reissue with a fresh subsession. */
  generation: z.number().int().positive(),
  publishedAt: isoTime,
});

export type InFlightTask = z.infer<typeof inFlightTaskSchema>;
