import { z } from 'zod';
import { stepKind, taskErrorSchema } from '@koji-farm/contracts';

/**
 * What the REST API returns about tasks. These zod schemas are the one description of
 * the responses: the readers produce their inferred types and the OpenAPI document is
 * generated from them.
 */
export const TASK_STATES = [
  'queued',
  'received',
  'running',
  'closed',
  'failed',
  'canceled',
  'refused',
  'unknown',
] as const;
export const taskStateSchema = z
  .enum(TASK_STATES)
  .describe(
    'queued (waiting in RabbitMQ, also after a requeue), received, running, closed, failed, canceled, ' +
      'refused (the poller refused it on the hub: no live executor offers it; the hub assigns it again later)',
  );

const iso = z.iso.datetime().nullable();

export const currentStepView = z.object({
  step: z.number().int(),
  kind: stepKind,
  name: z.string(),
  startedAt: iso,
});

export const taskSummaryView = z.object({
  id: z.number().int(),
  method: z.string().nullable(),
  arch: z.string().nullable(),
  state: taskStateSchema,
  attempt: z.number().int().nullable().describe('latest attempt (1 for the first delivery)'),
  executorId: z.string().nullable(),
  containerId: z.string().nullable(),
  parentId: z.number().int().nullable(),
  priority: z.number().int().nullable(),
  queue: z.string().nullable(),
  queuedAt: iso,
  receivedAt: iso,
  startedAt: iso,
  finishedAt: iso,
  durationMs: z.number().nullable(),
  currentStep: currentStepView.nullable(),
  cancelRequestedAt: iso,
});

export const stepView = z.object({
  step: z.number().int(),
  kind: stepKind.nullable(),
  name: z.string().nullable(),
  argv: z.array(z.string()).nullable(),
  log: z.string().nullable(),
  startedAt: iso,
  finishedAt: iso,
  durationMs: z.number().nullable(),
  status: z.enum(['ok', 'failed', 'timeout', 'aborted']).nullable(),
  exitCode: z.number().int().nullable(),
  error: z.string().nullable(),
});

export const attemptView = z.object({
  attempt: z.number().int(),
  executorId: z.string().nullable(),
  state: z.enum(['received', 'running', 'closed', 'failed', 'canceled', 'requeued']),
  receivedAt: iso,
  startedAt: iso,
  finishedAt: iso,
  durationMs: z.number().nullable(),
  result: z.json().nullable(),
  error: taskErrorSchema.nullable(),
  containerId: z.string().nullable(),
  steps: z.array(stepView),
});

export const logInfoView = z.object({
  attempt: z.number().int(),
  name: z.string(),
  size: z.number().int().describe('bytes readable from offset 0 without a hole'),
  receivedBytes: z.number().int(),
  complete: z.boolean().describe('the attempt finished and every byte up to the end arrived'),
  truncated: z.boolean().describe('the log outgrew MONITOR_LOG_MAX_BYTES; later bytes were dropped'),
});

export const waitingView = z.object({
  reason: z.enum(['no-executor', 'slots-busy', 'in-queue', 'refused']),
  message: z.string(),
  queue: z.string().nullable(),
  position: z.number().int().nullable().describe('1 = next to be taken from its queue'),
  executors: z.number().int().describe('live executors that serve the task'),
  slots: z.number().int(),
  busy: z.number().int(),
});

export const taskDetailView = taskSummaryView.extend({
  weight: z.number().nullable(),
  pollerId: z.string().nullable(),
  cancelReason: z.string().nullable(),
  refuseReason: z.string().nullable().describe("the poller's reason when it refused the task on the hub"),
  steps: z.array(stepView).describe('steps of the latest attempt'),
  attempts: z.array(attemptView),
  logs: z.array(logInfoView),
  buildroots: z.array(z.object({ id: z.number().int(), state: z.string(), at: iso })),
  waiting: waitingView.nullable().describe('why a queued or refused task waits'),
});

export const taskPageView = z.object({
  items: z.array(taskSummaryView),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null at the end'),
});

export type TaskState = z.infer<typeof taskStateSchema>;
export type CurrentStepView = z.infer<typeof currentStepView>;
export type TaskSummaryView = z.infer<typeof taskSummaryView>;
export type StepView = z.infer<typeof stepView>;
export type AttemptView = z.infer<typeof attemptView>;
export type LogInfoView = z.infer<typeof logInfoView>;
export type WaitingView = z.infer<typeof waitingView>;
export type TaskDetailView = z.infer<typeof taskDetailView>;
export type TaskPageView = z.infer<typeof taskPageView>;
