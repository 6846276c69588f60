import { type TaskMessage, taskMessageSchema } from '@koji-farm/contracts';
import { type SessionCredentials } from '@koji-farm/koji';
import { TaskNotTransportableError } from '../errors/task-not-transportable.error';
import { type TaskInfoWithRequest } from '../hub/hub-replies.schema';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface TaskMessageInput {
  info: TaskInfoWithRequest;
  weight: number;
  session: SessionCredentials;
  hub: { url: string; topurl: string };
}

/**
 * The decoded request as JSON. XML-RPC can carry what JSON cannot (binary, integers
 * past 2^53, NaN): such a request is refused with the path of the first bad value.
 */
export function requestToJson(taskId: number, request: readonly unknown[]): Json[] {
  return request.map((value, i) => toJson(taskId, value, `request[${i}]`));
}

function toJson(taskId: number, value: unknown, path: string): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new TaskNotTransportableError(taskId, `${path} is ${value}, which JSON cannot carry`);
  }
  if (typeof value === 'bigint') {
    throw new TaskNotTransportableError(
      taskId,
      `${path} is an integer beyond 2^53, which JSON cannot carry exactly`,
    );
  }
  if (Buffer.isBuffer(value)) {
    throw new TaskNotTransportableError(
      taskId,
      `${path} is binary (XML-RPC base64), which the task message cannot carry`,
    );
  }
  if (Array.isArray(value)) return value.map((item, i) => toJson(taskId, item, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJson(taskId, item, `${path}.${key}`);
    return out;
  }
  throw new TaskNotTransportableError(taskId, `${path} has an unsupported type ${typeof value}`);
}

/** The task message of architecture.md, checked against its contract. */
export function buildTaskMessage(input: TaskMessageInput, publishedAt = new Date()): TaskMessage {
  const { info } = input;
  const parsed = taskMessageSchema.safeParse({
    v: 1,
    taskId: info.id,
    method: info.method,
    arch: info.arch,
    channelId: info.channel_id,
    priority: info.priority,
    weight: input.weight,
    parentId: info.parent,
    request: requestToJson(info.id, info.request),
    session: { id: input.session.id, key: input.session.key },
    hub: input.hub,
    publishedAt: publishedAt.toISOString(),
  });
  if (parsed.success) return parsed.data;
  // Paths and messages only: a value could be the session key.
  const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new TaskNotTransportableError(info.id, `the task message breaks its contract (${issues})`);
}
