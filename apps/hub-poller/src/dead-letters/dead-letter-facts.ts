import { HEADERS } from '@koji-farm/contracts';

/** What a dead letter says about itself, read from its headers and (loosely) its body. */
export interface DeadLetterFacts {
  /** The task it was about, when the body is JSON with a task id (valid or not otherwise). */
  taskId: number | null;
  /** Why no task id could be read (null when one was). */
  unreadable: string | null;
  /** Why it died, in words for the hub's fault text and the logs. */
  reason: string;
  /** `failed` when the executor already failed the task on the hub (ADR 0062). */
  hubOutcome: string | null;
  /** The poller's reissue generation of the message (1 when the header is absent). */
  generation: number;
  /** The task queue it came from, when known. */
  queue: string | null;
}

interface Death {
  reason?: unknown;
  queue?: unknown;
}

/**
 * Reads a message of `koji.tasks.dlx`. Two kinds arrive there: messages an executor
 * refused or gave up on (the reason in `x-koji-farm-dead-reason`), and messages RabbitMQ
 * dead-lettered itself (`x-death`; `delivery_limit` after `deliveryLimit + 1` deliveries).
 * The body is read only for its task id: a message that failed the schema still names
 * its task when it is JSON. Never throws.
 */
export function readDeadLetter(
  headers: Record<string, unknown>,
  content: Buffer,
  deliveryLimit: number,
): DeadLetterFacts {
  const death = firstDeath(headers);
  const queue = text(headers[HEADERS.deadFromQueue]) ?? text(death?.queue);
  const { taskId, unreadable } = readTaskId(content);
  return {
    taskId,
    unreadable,
    reason: deathReason(headers, death, queue, deliveryLimit),
    hubOutcome: text(headers[HEADERS.hubOutcome]),
    generation: generationOf(headers[HEADERS.generation]),
    queue,
  };
}

function deathReason(
  headers: Record<string, unknown>,
  death: Death | undefined,
  queue: string | null,
  deliveryLimit: number,
): string {
  const refused = text(headers[HEADERS.deadReason]);
  if (refused) return refused;
  const from = queue ? ` (queue ${queue})` : '';
  switch (text(death?.reason)) {
    case 'delivery_limit':
      return `delivery limit reached after ${deliveryLimit + 1} attempts${from}`;
    case 'rejected':
      return `rejected by a consumer without requeueing${from}`;
    case 'expired':
      return `expired in the queue${from}`;
    case 'maxlen':
      return `dropped from a full queue${from}`;
    case null:
      return 'dead-lettered without a stated reason';
    default:
      return `dead-lettered by RabbitMQ (${text(death?.reason)})${from}`;
  }
}

/** RabbitMQ puts the latest death first in `x-death`. */
function firstDeath(headers: Record<string, unknown>): Death | undefined {
  const deaths = headers['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return undefined;
  const first: unknown = deaths[0];
  return typeof first === 'object' && first !== null ? first : undefined;
}

function readTaskId(content: Buffer): { taskId: number | null; unreadable: string | null } {
  let data: unknown;
  try {
    data = JSON.parse(content.toString('utf8'));
  } catch {
    return { taskId: null, unreadable: 'the message is not JSON' };
  }
  const taskId = (data as { taskId?: unknown } | null)?.taskId;
  if (typeof taskId === 'number' && Number.isSafeInteger(taskId) && taskId > 0)
    return { taskId, unreadable: null };
  return { taskId: null, unreadable: 'the message has no valid taskId' };
}

function generationOf(value: unknown): number {
  const n = Number(value ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (Buffer.isBuffer(value) && value.length > 0) return value.toString('utf8');
  return null;
}
