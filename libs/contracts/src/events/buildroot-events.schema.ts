import { z } from 'zod';
import { taskId } from '../common';
import { pollerScope, taskScope } from './event-envelope';

export const buildrootState = z.enum(['INIT', 'WAITING', 'BUILDING', 'EXPIRED']);

const buildrootFields = {
  type: z.literal('buildroot.state'),
  brootId: z.number().int().positive(),
  state: buildrootState,
};

/** A buildroot of the task changed state on the hub: set by the attempt running the task. */
export const executorBuildrootStateEvent = z.object({
  ...taskScope,
  ...buildrootFields,
  /** Absent from executors (the default); `poller` marks the poller's form. */
  by: z.literal('executor').optional(),
});

/**
 * The leading hub-poller expired a buildroot of the task on the hub (kojid's
 * updateBuildroots: the task no longer runs here), so no attempt will say so.
 */
export const pollerBuildrootStateEvent = z.object({
  ...pollerScope,
  ...buildrootFields,
  by: z.literal('poller'),
  taskId,
});

/** `buildroot.state`, from the executor running the task or from the poller (`by: 'poller'`). */
export const buildrootStateEvent = z.discriminatedUnion('by', [
  executorBuildrootStateEvent,
  pollerBuildrootStateEvent,
]);

/**
 * Whether a clean buildroot started from its snapshot (ADR 0080): `hit` (from the
 * snapshot image, group install skipped), `miss` (group installed, the root committed as
 * `ref`), emitted once per buildroot by the attempt that makes it.
 */
export const buildrootSnapshotEvent = z.object({
  ...taskScope,
  type: z.literal('buildroot.snapshot'),
  brootId: z.number().int().positive(),
  outcome: z.enum(['hit', 'miss']),
  /** The snapshot image (`repo:tag`). */
  ref: z.string().min(1).max(300),
});

export type BuildrootState = z.infer<typeof buildrootState>;
export type BuildrootSnapshotEvent = z.infer<typeof buildrootSnapshotEvent>;
export type BuildrootStateEvent = z.infer<typeof buildrootStateEvent>;
export type PollerBuildrootStateEvent = z.infer<typeof pollerBuildrootStateEvent>;
