import { z } from 'zod';
import { FARM_EVENT_TYPES, identifier } from '@koji-farm/contracts';
import { type FeedEntry } from './feed-entry';

const TYPE_PREFIXES = [...new Set(FARM_EVENT_TYPES.map((t) => t.split('.')[0]))];

/** A comma-separated query value. */
const commaList = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const bounded = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item).min(1, `expected at least one ${what}`).max(100, `expected at most 100 ${what}s`);

const eventType = z.string().superRefine((t, ctx) => {
  const known = (FARM_EVENT_TYPES as string[]).includes(t);
  const prefix = t.endsWith('.*') && TYPE_PREFIXES.includes(t.slice(0, -2));
  if (!known && !prefix) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown event type "${t}" (expected one of ${FARM_EVENT_TYPES.join(', ')}, or a prefix such as task.*)`,
    });
  }
});

/** Query of `GET /api/v1/events` (WebSocket). */
export const eventsQuerySchema = z
  .object({
    task: commaList
      .pipe(
        bounded(
          z
            .string()
            .regex(/^[1-9]\d{0,15}$/, 'expected a task id (a positive integer)')
            .transform(Number),
          'task id',
        ),
      )
      .optional()
      .describe('task ids, comma-separated'),
    type: commaList
      .pipe(bounded(eventType, 'event type'))
      .optional()
      .describe('event types or prefixes (task.*), comma-separated'),
    executor: commaList
      .pipe(bounded(identifier, 'executor id'))
      .optional()
      .describe('executor ids, comma-separated'),
    since: z
      .string()
      .regex(/^\d{1,20}(-\d{1,20})?$/, 'expected a cursor such as 1763900000000-0 (from a previous event)')
      .optional()
      .describe('resume after this cursor; 0 replays the retained stream'),
  })
  .strict();

export type EventsQuery = z.infer<typeof eventsQuerySchema>;

/** Which events a client wants; every given filter must match. */
export class EventFilter {
  private readonly tasks: Set<string> | null;
  private readonly types: Set<string> | null;
  private readonly prefixes: string[];
  private readonly executors: Set<string> | null;
  /** Equal for equal filters: clients with the same filter share the messages built for them. */
  readonly key: string;

  constructor(query: EventsQuery) {
    this.key = JSON.stringify([query.task ?? null, query.type ?? null, query.executor ?? null]);
    this.tasks = query.task ? new Set(query.task.map(String)) : null;
    this.types = query.type ? new Set(query.type.filter((t) => !t.endsWith('.*'))) : null;
    this.prefixes = (query.type ?? []).filter((t) => t.endsWith('.*')).map((t) => t.slice(0, -1));
    this.executors = query.executor ? new Set(query.executor) : null;
  }

  matches(entry: FeedEntry): boolean {
    if (this.tasks && !this.tasks.has(entry.taskId)) return false;
    if (this.executors && !this.executors.has(entry.executorId)) return false;
    if (this.types && !this.types.has(entry.type) && !this.prefixes.some((p) => entry.type.startsWith(p)))
      return false;
    return true;
  }
}

/** `0` and `0-0` mean "from the start"; a bare number is `<ms>-0`. */
export function normalizeCursor(since: string): string {
  return since.includes('-') ? since : `${since}-0`;
}
