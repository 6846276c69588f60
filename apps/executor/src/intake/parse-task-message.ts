import { taskMessageSchema, type TaskMessage } from '@koji-farm/contracts';

export type ParsedTaskMessage =
  { ok: true; message: TaskMessage } | { ok: false; reason: string; taskId?: number };

/**
 * Decodes and validates a task message. The reason of a refusal names the fields and
 * what was wrong with them, never their values (a session key may be among them).
 */
export function parseTaskMessage(content: Buffer): ParsedTaskMessage {
  let data: unknown;
  try {
    data = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `task message is not JSON: ${(err as Error).message.slice(0, 200)}` };
  }
  const parsed = taskMessageSchema.safeParse(data);
  if (parsed.success) return { ok: true, message: parsed.data };
  const problems = parsed.error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.map(String).join('.') || '(message)'}: ${issue.message}`);
  const taskId = (data as { taskId?: unknown } | null)?.taskId;
  return {
    ok: false,
    reason: `task message does not match the task message schema v1: ${problems.join('; ')}`,
    taskId: typeof taskId === 'number' && Number.isInteger(taskId) ? taskId : undefined,
  };
}
