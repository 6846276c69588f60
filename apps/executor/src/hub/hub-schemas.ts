import { z } from 'zod';

/**
 * Shapes of the hub replies the executor relies on, checked before use: a reply that
 * does not match becomes a HubReplyError naming the method and the field.
 */
export const repoInfoReply = z.object({
  id: z.number().int(),
  tag_id: z.number().int(),
  tag_name: z.string().optional(),
  state: z.number().int(),
  create_event: z.number().int().nullable().optional(),
});

export const buildConfigReply = z.object({
  id: z.number().int(),
  name: z.string(),
  arches: z.string().nullable().optional(),
  extra: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const taskInfoReply = z.object({
  id: z.number().int(),
  state: z.number().int(),
  host_id: z.number().int().nullable().optional(),
  method: z.string().optional(),
});

export const buildrootRows = z.array(z.object({ id: z.number().int(), state: z.number().int() }));

export const brootId = z.number().int().positive();

/** Koji's task states (protocol §3). */
export const TASK_STATE = { FREE: 0, OPEN: 1, CLOSED: 2, CANCELED: 3, ASSIGNED: 4, FAILED: 5 } as const;
export const TASK_STATE_NAMES = ['FREE', 'OPEN', 'CLOSED', 'CANCELED', 'ASSIGNED', 'FAILED'];
