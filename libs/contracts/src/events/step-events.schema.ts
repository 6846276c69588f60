import { z } from 'zod';
import { taskScope } from './event-envelope';

/** The kinds of step of the exec pattern, and `commit`: a buildroot kept as a snapshot image (ADR 0080). */
export const stepKind = z.enum(['create', 'copy', 'exec', 'commit', 'remove']);

const stepFields = {
  /** 1, 2, 3 ... in the order the attempt ran its steps. */
  step: z.number().int().positive(),
  kind: stepKind,
  /** What the step is for: `create`, `copy repo file`, `exec init 2/4`, `exec build`, ... */
  name: z.string().min(1).max(200),
};

export const stepStartedEvent = z.object({
  ...taskScope,
  type: z.literal('step.started'),
  ...stepFields,
  argv: z.array(z.string()).optional(),
  /** The log an exec step writes to (`root.log`, `build.log`). */
  log: z.string().optional(),
});

export const stepFinishedEvent = z.object({
  ...taskScope,
  type: z.literal('step.finished'),
  ...stepFields,
  status: z.enum(['ok', 'failed', 'timeout', 'aborted']),
  /** Exit code of an exec step; null for other kinds and for a killed exec. */
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  error: z.string().optional(),
});

export type StepKind = z.infer<typeof stepKind>;
export type StepStartedEvent = z.infer<typeof stepStartedEvent>;
export type StepFinishedEvent = z.infer<typeof stepFinishedEvent>;
