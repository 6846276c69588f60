/**
 * Names of the registry's Redis keys, without the farm prefix (ioredis adds it to every
 * command it knows the keys of). The Lua scripts build the same names from the prefix
 * they receive (see lua/fold-prelude.lua.ts); docs/adr/0040-monitor-registry-keys.md
 * describes each key.
 */
export const RegistryKeys = {
  /** Random id of the registry's generation; its absence means Redis lost the registry. */
  epoch: 'registry:epoch',
  /** Highest stream offset up to which every event has been folded. */
  offset: 'registry:offset',
  task: (taskId: number) => `task:${taskId}`,
  taskSteps: (taskId: number) => `task:${taskId}:steps`,
  taskLogs: (taskId: number) => `task:${taskId}:logs`,
  taskLog: (taskId: number, attempt: number, name: string) => `task:${taskId}:log:${attempt}:${name}`,
  /** Every task, scored by its id (newest first = highest score). */
  tasks: 'tasks',
  tasksByState: (state: string) => `tasks:state:${state}`,
  tasksByMethod: (method: string) => `tasks:method:${method}`,
  tasksByExecutor: (executorId: string) => `tasks:executor:${executorId}`,
  /** Tasks waiting in one RabbitMQ queue, scored by the time they were queued. */
  tasksInQueue: (queue: string) => `tasks:queue:${queue}`,
  /** Names of the queues tasks were published to. */
  queues: 'queues',
  /** `<state>|<method>` → number of tasks. */
  taskStats: 'stats:tasks',
  /** `hit` / `miss` → clean buildroots started from a snapshot or not, since the registry's epoch. */
  snapshotStats: 'stats:snapshots',
  executor: (executorId: string) => `executor:${executorId}`,
  executors: 'executors',
  poller: (pollerId: string) => `poller:${pollerId}`,
  pollers: 'pollers',
  container: (containerId: string) => `container:${containerId}`,
  containers: 'containers',
  activeContainers: 'containers:active',
  /** `t:<taskId>`, `c:<containerId>`, `e:<executorId>`, `p:<pollerId>` scored by when to drop them. */
  expiry: 'expiry',
  /** The capped stream of folded events that WebSocket clients resume from. */
  events: 'events',
  /** Events per second of event time, for /status. */
  rate: (second: number) => `rate:${second}`,
} as const;
