import { z } from 'zod';
import { identifier, method } from '@koji-farm/contracts';
import { taskStateSchema } from '../registry/views/task.views';

/** Request parameters of the REST API, validated with zod; a failure is a 400 naming the parameter. */

const integer = (min: number, max: number, what = 'an integer') =>
  z
    .string()
    .regex(/^\d{1,16}$/, `expected ${what}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `expected ${what} ≥ ${min}`).max(max, `expected ${what} ≤ ${max}`));

const taskIdValue = integer(1, Number.MAX_SAFE_INTEGER, 'a task id (a positive integer)');
export const logName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected a log file name such as build.log');

export const taskParams = z.object({ id: taskIdValue });
export const logParams = z.object({ id: taskIdValue, name: logName });
export const executorParams = z.object({ id: identifier });
export const containerParams = z.object({
  id: z.string().regex(/^[0-9a-f]{12,64}$/, 'expected a container id (12 to 64 lowercase hex digits)'),
});

export const emptyQuery = z.object({}).strict();

export const tasksQuery = z
  .object({
    state: taskStateSchema.optional(),
    method: method.optional(),
    executor: identifier.optional().describe('tasks that ran (in any attempt) on this executor'),
    limit: integer(1, 500).default(50),
    cursor: taskIdValue.optional().describe('the nextCursor of the previous page'),
  })
  .strict();

export const containersQuery = z
  .object({
    state: z.enum(['active', 'all', 'created', 'running', 'removed', 'kept']).default('all'),
    limit: integer(1, 1000).default(200),
  })
  .strict();

const logAttempt = integer(1, 1000, 'an attempt number')
  .optional()
  .describe('default: the latest attempt with this log');

export const logQuery = z
  .object({
    attempt: logAttempt,
    offset: integer(0, Number.MAX_SAFE_INTEGER, 'a byte offset').optional(),
    tail: integer(1, 100_000, 'a number of lines')
      .optional()
      .describe('the last N lines instead of from an offset'),
    limit: integer(1, 16 * 1024 * 1024, 'a number of bytes').default(1024 * 1024),
  })
  .strict()
  .refine((q) => q.offset === undefined || q.tail === undefined, {
    message: 'offset and tail cannot be used together',
    path: ['tail'],
  });

export const followQuery = z
  .object({
    attempt: logAttempt,
    offset: integer(0, Number.MAX_SAFE_INTEGER, 'a byte offset').optional(),
    tail: integer(1, 100_000, 'a number of lines').optional(),
  })
  .strict()
  .refine((q) => q.offset === undefined || q.tail === undefined, {
    message: 'offset and tail cannot be used together',
    path: ['tail'],
  });

export const sessionBody = z.object({ token: z.string().min(1, 'expected the API token') });

export type TasksQuery = z.output<typeof tasksQuery>;
export type ContainersQuery = z.output<typeof containersQuery>;
export type LogQuery = z.output<typeof logQuery>;
export type FollowQuery = z.output<typeof followQuery>;
