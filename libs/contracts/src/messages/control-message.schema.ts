import { z } from 'zod';
import { attempt, identifier, schemaVersion, taskId } from '../common';

/** `cancel`: stop the task's work at once, remove its containers, tell the hub nothing. */
export const cancelMessageSchema = z.object({
  v: schemaVersion,
  type: z.literal('cancel'),
  taskId,
  reason: z.string().max(1000),
});

/**
 * `session`: a new leader's master session replaced the one the running attempt's
 * subsession belongs to (ADR 0082). The executor named runs the attempt of this
 * generation: it carries on with `session` (a subsession of the new master, never
 * logged, never in an event) and answers on `replyTo`. Every other executor ignores it.
 */
export const sessionHandoverMessageSchema = z.object({
  v: schemaVersion,
  type: z.literal('session'),
  taskId,
  /** The executor whose heartbeat claims the attempt. */
  executorId: identifier,
  /** The generation of the task message the attempt runs. */
  generation: z.number().int().positive(),
  /** Names this handover in the reply. */
  handoverId: z.string().min(1).max(200),
  session: z.object({
    id: z.number().int().positive(),
    key: z.string().min(1),
  }),
  /** The poller's reply queue (published to through the default exchange). */
  replyTo: z.string().min(1).max(255),
});

/** Broadcast on the `koji.control` fanout exchange to every executor. */
export const controlMessageSchema = z.discriminatedUnion('type', [
  cancelMessageSchema,
  sessionHandoverMessageSchema,
]);

/**
 * The executor's answer to a `session` message, on the poller's reply queue: `taken`
 * when the attempt carries on with the new session, else why not (no such attempt
 * runs there now). Holds no credentials.
 */
export const sessionHandoverReplySchema = z.object({
  v: schemaVersion,
  type: z.literal('session-reply'),
  handoverId: z.string().min(1).max(200),
  taskId,
  executorId: identifier,
  generation: z.number().int().positive(),
  taken: z.boolean(),
  /** The attempt that took the session. */
  attempt: attempt.optional(),
  reason: z.string().max(1000).default(''),
});

export type CancelMessage = z.infer<typeof cancelMessageSchema>;
export type SessionHandoverMessage = z.infer<typeof sessionHandoverMessageSchema>;
export type SessionHandoverReply = z.infer<typeof sessionHandoverReplySchema>;
export type ControlMessage = z.infer<typeof controlMessageSchema>;
