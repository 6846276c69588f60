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
  lastSeen: number;
}
