import { z } from 'zod';
import { arch, attempt, isoTime, method, taskId } from '../common';
import { executorScope } from './event-envelope';

/** How often executors publish heartbeats; one silent for 3 of these is gone. */
export const HEARTBEAT_INTERVAL_MS = 5000;
export const HEARTBEATS_BEFORE_GONE = 3;

/** Why an executor takes no container tasks at the moment (kojid's host "not ready"). */
export const executorProblem = z.object({
  /** `podman`: its Podman API does not answer; `disk`: too little free space under its work directory. */
  check: z.enum(['podman', 'disk']),
  message: z.string(),
  since: isoTime,
});

/**
 * A task attempt the executor runs now, with the hub buildroots it made and has not
 * expired: the poller frees no task and expires no buildroot that a live executor
 * claims, whatever its own records say (they live in Redis, which may lose them).
 */
export const runningTaskClaim = z.object({
  taskId,
  /** The poller's generation of the message this attempt runs. */
  generation: z.number().int().positive(),
  attempt,
  buildroots: z.array(z.number().int().positive()),
});

/** Every HEARTBEAT_INTERVAL_MS: what this executor offers and how busy it is. */
export const executorHeartbeatEvent = z.object({
  ...executorScope,
  type: z.literal('executor.heartbeat'),
  arches: z.array(arch),
  methods: z.array(method),
  /** Container slots it offers now: its SLOTS, or 0 while a problem keeps it from taking tasks. */
  slots: z.number().int().nonnegative(),
  busy: z.number().int().nonnegative(),
  /** Orchestration (waiting parent) tasks held, limited separately from slots. */
  orchestrating: z.number().int().nonnegative().default(0),
  orchestrationSlots: z.number().int().nonnegative().default(0),
  /** Sum of the weights of the running tasks. */
  load: z.number().nonnegative(),
  version: z.string(),
  startedAt: isoTime,
  hostname: z.string(),
  /** Empty while healthy; else why it takes no container tasks (then `slots` is 0). */
  problems: z.array(executorProblem).default([]),
  /** The task attempts it runs now (container and parent tasks). */
  running: z.array(runningTaskClaim).default([]),
});

/** The executor shut down cleanly (its heartbeats stop on purpose). */
export const executorStoppedEvent = z.object({
  ...executorScope,
  type: z.literal('executor.stopped'),
  reason: z.string(),
});

export type ExecutorProblem = z.infer<typeof executorProblem>;
export type RunningTaskClaim = z.infer<typeof runningTaskClaim>;
export type ExecutorHeartbeatEvent = z.infer<typeof executorHeartbeatEvent>;
export type ExecutorStoppedEvent = z.infer<typeof executorStoppedEvent>;
