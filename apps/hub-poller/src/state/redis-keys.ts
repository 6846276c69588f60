/**
 * The poller's Redis keys. ioredis adds the farm's key prefix (`kf:` by default) to
 * each, also inside EVAL, so pollers of one farm share them and tests stay apart.
 */
export const REDIS_KEYS = {
  /** String `<token> <pollerId> <instance>`, with a TTL: who leads (SET NX PX). */
  lease: 'poller:lease',
  /** Pub/sub channel (prefixed by hand): a leader released the lease, standbys try at once. */
  leaseReleased: 'poller:lease:released',
  /** Counter: each acquisition's fencing token. */
  leaseToken: 'poller:lease:token',
  /** Hash taskId → JSON InFlightTask: what the leader published and the hub still has OPEN. */
  inFlight: 'poller:in-flight',
  /**
   * Counter per task: the generation of its latest message. Every message the poller
   * publishes for a task — a first opening, a reissue, or an opening after the task was
   * freed and assigned again — gets a higher one, so executors' attempt numbers (and the
   * monitor's `(taskId, attempt, seq)`) never repeat for a task.
   */
  generation: (taskId: number) => `poller:generation:${taskId}`,
} as const;
