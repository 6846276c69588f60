import { z } from 'zod';
import { taskScope } from './event-envelope';

/** Largest `data` of one chunk: the executor batches at most every 250 ms or 64 KiB. */
export const LOG_CHUNK_MAX_BYTES = 64 * 1024;

/**
 * A piece of a task log. `offset` is the byte offset of `data` (UTF-8) in the log, so a
 * consumer can place a chunk that arrives twice or out of order.
 */
export const logChunkEvent = z.object({
  ...taskScope,
  type: z.literal('log.chunk'),
  log: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected a log file name'),
  offset: z.number().int().nonnegative(),
  data: z.string().refine((s) => Buffer.byteLength(s) <= LOG_CHUNK_MAX_BYTES, 'log chunk larger than 64 KiB'),
});

export type LogChunkEvent = z.infer<typeof logChunkEvent>;
