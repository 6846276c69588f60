import { z } from 'zod';
import { arch, isoTime, method } from '../common';
import { executorScope } from './event-envelope';

/** How often executors publish heartbeats; one silent for 3 of these is gone. */
export const HEARTBEAT_INTERVAL_MS = 5000;
export const HEARTBEATS_BEFORE_GONE = 3;

/** Every HEARTBEAT_INTERVAL_MS: what this executor offers and how busy it is. */
export const executorHeartbeatEvent = z.object({
  ...executorScope,
  type: z.literal('executor.heartbeat'),
  arches: z.array(arch),
  methods: z.array(method),
  /** Container slots (prefetch of the arch queues). */
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
});

/** The executor shut down cleanly (its heartbeats stop on purpose). */
export const executorStoppedEvent = z.object({
  ...executorScope,
  type: z.literal('executor.stopped'),
  reason: z.string(),
});

export type ExecutorHeartbeatEvent = z.infer<typeof executorHeartbeatEvent>;
export type ExecutorStoppedEvent = z.infer<typeof executorStoppedEvent>;
