/**
 * The names of every RabbitMQ exchange and queue koji-farm uses. `namespace` prefixes
 * them all (empty in production, unique per test so tests never share a queue).
 */
export interface AmqpTopology {
  /** direct exchange; routing key = arch, or `orchestrate` */
  tasksExchange: string;
  /** quorum queue of container tasks for one arch */
  taskQueue(arch: string): string;
  /** quorum queue of orchestration (waiting parent) tasks */
  orchestrateQueue: string;
  orchestrateRoutingKey: string;
  /** fanout exchange every task queue dead-letters into */
  tasksDeadLetterExchange: string;
  /** quorum queue of every dead letter, for operators (nothing consumes it) */
  tasksDeadQueue: string;
  /**
   * quorum queue of every dead letter too, consumed by the leading hub-poller, which
   * fails the task on the hub unless that was already done (ADR 0058)
   */
  tasksDeadPollerQueue: string;
  /** fanout exchange for cancel messages */
  controlExchange: string;
  /** topic exchange of events, routing key = event type */
  eventsExchange: string;
  /** stream queue bound to every event */
  eventsLogQueue: string;
}

export const ORCHESTRATE_ROUTING_KEY = 'orchestrate';

export function amqpTopology(namespace = ''): AmqpTopology {
  const n = (name: string) => (namespace ? `${namespace}.${name}` : name);
  return {
    tasksExchange: n('koji.tasks'),
    taskQueue: (arch: string) => n(`koji.tasks.${arch}`),
    orchestrateQueue: n('koji.tasks.orchestrate'),
    orchestrateRoutingKey: ORCHESTRATE_ROUTING_KEY,
    tasksDeadLetterExchange: n('koji.tasks.dlx'),
    tasksDeadQueue: n('koji.tasks.dead'),
    tasksDeadPollerQueue: n('koji.tasks.dead.poller'),
    controlExchange: n('koji.control'),
    eventsExchange: n('koji.events'),
    eventsLogQueue: n('koji.events.log'),
  };
}

/**
 * Parent tasks that only wait on their children: they go to the orchestration queue and
 * never hold a container slot (architecture.md).
 */
export const ORCHESTRATION_METHODS: readonly string[] = [
  'build',
  'chainbuild',
  'newRepo',
  'tagBuild',
  'waitrepo',
  'sleep',
];

export function isOrchestrationMethod(method: string): boolean {
  return ORCHESTRATION_METHODS.includes(method);
}

/** Message headers koji-farm sets. */
export const HEADERS = {
  /** Why a message was dead-lettered by koji-farm itself (schema violation, ...). */
  deadReason: 'x-koji-farm-dead-reason',
  /** The queue a dead-lettered message came from. */
  deadFromQueue: 'x-koji-farm-dead-from-queue',
  /**
   * Which issue of a task message this is: a poller that took over the hub session
   * re-publishes in-flight tasks with a fresh subsession and generation + 1 (ADR 0053).
   */
  generation: 'x-koji-farm-generation',
  /** Set on a dead letter when the task was already failed on the hub (ADR 0062). */
  hubOutcome: 'x-koji-farm-hub-outcome',
  /** RabbitMQ's redelivery counter on quorum queues (absent on the first delivery). */
  deliveryCount: 'x-delivery-count',
} as const;
