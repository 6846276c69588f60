import { type RunningTaskClaim } from '@koji-farm/contracts';

/** The latest heartbeat of one executor, with when it arrived (monotonic ms). */
export interface ExecutorState {
  executorId: string;
  arches: readonly string[];
  methods: readonly string[];
  slots: number;
  busy: number;
  orchestrating: number;
  orchestrationSlots: number;
  load: number;
  /** The task attempts it runs, as its latest heartbeat listed them. */
  running: readonly RunningTaskClaim[];
  lastSeen: number;
}
