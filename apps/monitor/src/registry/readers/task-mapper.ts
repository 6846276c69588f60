import { stepKind, taskErrorSchema } from '@koji-farm/contracts';
import {
  type AttemptView,
  type LogInfoView,
  type StepView,
  type TaskState,
  taskStateSchema,
  type TaskSummaryView,
} from '../views/task.views';
import { type Hash, jsonField, num, text, time } from './hash-fields';

/** Task hash fields a summary needs: one HMGET per task for list pages. */
export const SUMMARY_FIELDS = [
  'id',
  'method',
  'arch',
  'state',
  'attempt',
  'executor',
  'container',
  'parentId',
  'priority',
  'queue',
  'queuedAt',
  'receivedAt',
  'startedAt',
  'finishedAt',
  'durationMs',
  'step',
  'stepName',
  'stepKind',
  'stepStartedAt',
  'cancelRequestedAt',
] as const;

export function toTaskSummary(h: Hash): TaskSummaryView {
  const state = taskStateSchema.safeParse(h.state);
  const kind = stepKind.safeParse(h.stepKind);
  const step = num(h, 'step');
  return {
    id: Number(h.id),
    method: text(h, 'method'),
    arch: text(h, 'arch'),
    state: state.success ? state.data : 'unknown',
    attempt: num(h, 'attempt'),
    executorId: text(h, 'executor'),
    containerId: text(h, 'container'),
    parentId: num(h, 'parentId'),
    priority: num(h, 'priority'),
    queue: text(h, 'queue'),
    queuedAt: time(h, 'queuedAt'),
    receivedAt: time(h, 'receivedAt'),
    startedAt: time(h, 'startedAt'),
    finishedAt: time(h, 'finishedAt'),
    durationMs: num(h, 'durationMs'),
    currentStep:
      step !== null && kind.success
        ? { step, kind: kind.data, name: text(h, 'stepName') ?? '', startedAt: time(h, 'stepStartedAt') }
        : null,
    cancelRequestedAt: time(h, 'cancelRequestedAt'),
  };
}

/** Steps hash fields are `<attempt>:<step>:<field>`; returns the steps of each attempt in step order. */
export function toSteps(stepsHash: Hash): Map<number, StepView[]> {
  const byAttempt = new Map<number, Map<number, Hash>>();
  for (const [key, value] of Object.entries(stepsHash)) {
    const [attempt, step, field] = key.split(':');
    if (!attempt || !step || !field) continue;
    const steps = byAttempt.get(Number(attempt)) ?? new Map<number, Hash>();
    byAttempt.set(Number(attempt), steps);
    const fields = steps.get(Number(step)) ?? {};
    steps.set(Number(step), fields);
    fields[field] = value;
  }
  const result = new Map<number, StepView[]>();
  for (const [attempt, steps] of byAttempt) {
    const views = [...steps.entries()].sort(([a], [b]) => a - b).map(([step, h]) => toStepView(step, h));
    result.set(attempt, views);
  }
  return result;
}

function toStepView(step: number, h: Hash): StepView {
  const kind = stepKind.safeParse(h.kind);
  const status = h.status;
  return {
    step,
    kind: kind.success ? kind.data : null,
    name: text(h, 'name'),
    argv: jsonField<string[] | null>(h, 'argv', null),
    log: text(h, 'log'),
    startedAt: time(h, 'startedAt'),
    finishedAt: time(h, 'finishedAt'),
    durationMs: num(h, 'durationMs'),
    status:
      status === 'ok' || status === 'failed' || status === 'timeout' || status === 'aborted' ? status : null,
    exitCode: num(h, 'exitCode'),
    error: text(h, 'error'),
  };
}

/** The attempts of a task from its hash's `a<n>:` fields, oldest first. */
export function toAttempts(h: Hash, steps: Map<number, StepView[]>): AttemptView[] {
  const attempts: AttemptView[] = [];
  const last = num(h, 'attempts') ?? 0;
  for (let n = 1; n <= last; n++) {
    const p = `a${n}:`;
    if (!h[`${p}executor`]) continue;
    const final = text(h, `${p}final`);
    const error = taskErrorSchema.safeParse(jsonField<unknown>(h, `${p}error`, null));
    attempts.push({
      attempt: n,
      executorId: text(h, `${p}executor`),
      state: attemptState(final, h[`${p}startedAt`] !== undefined || h[`${p}active`] !== undefined),
      receivedAt: time(h, `${p}receivedAt`),
      startedAt: time(h, `${p}startedAt`),
      finishedAt: time(h, `${p}finishedAt`),
      durationMs: num(h, `${p}durationMs`),
      result: jsonField(h, `${p}result`, null),
      error: error.success ? error.data : null,
      containerId: text(h, `${p}container`),
      steps: steps.get(n) ?? [],
    });
  }
  return attempts;
}

function attemptState(final: string | null, active: boolean): AttemptView['state'] {
  if (final === 'closed' || final === 'failed' || final === 'canceled' || final === 'requeued') return final;
  return active ? 'running' : 'received';
}

/** Logs hash fields are `<attempt>:<name>:<c|e|b|t>` (contiguous end, end, bytes, truncated). */
export function toLogInfos(logsHash: Hash, taskHash: Hash): LogInfoView[] {
  const logs = new Map<string, { attempt: number; name: string; fields: Hash }>();
  for (const [key, value] of Object.entries(logsHash)) {
    const first = key.indexOf(':');
    const lastColon = key.lastIndexOf(':');
    if (first <= 0 || lastColon <= first) continue;
    const id = key.slice(0, lastColon);
    const entry = logs.get(id) ?? {
      attempt: Number(key.slice(0, first)),
      name: key.slice(first + 1, lastColon),
      fields: {},
    };
    entry.fields[key.slice(lastColon + 1)] = value;
    logs.set(id, entry);
  }
  return [...logs.values()]
    .map(({ attempt, name, fields }) => {
      const size = num(fields, 'c') ?? 0;
      const end = num(fields, 'e') ?? 0;
      const finished = taskHash[`a${attempt}:finishedAt`] !== undefined;
      return {
        attempt,
        name,
        size,
        receivedBytes: num(fields, 'b') ?? 0,
        complete: finished && size === end,
        truncated: fields.t === '1',
      };
    })
    .sort((a, b) => a.attempt - b.attempt || a.name.localeCompare(b.name));
}

export function isFinalState(state: TaskState): boolean {
  return state === 'closed' || state === 'failed' || state === 'canceled';
}
