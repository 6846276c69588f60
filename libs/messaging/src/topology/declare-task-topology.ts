import { type Channel } from 'amqplib';
import { type AmqpTopology } from '@koji-farm/contracts';

export const DEFAULT_DELIVERY_LIMIT = 5;

export interface TaskQueueOptions {
  /** Redeliveries before RabbitMQ dead-letters a message (quorum `x-delivery-limit`). */
  deliveryLimit: number;
}

/**
 * The task exchanges and the dead-letter queue. Every task queue dead-letters into
 * `koji.tasks.dlx` (fanout) → `koji.tasks.dead`, whatever its routing key.
 */
export async function declareTaskExchanges(channel: Channel, names: AmqpTopology): Promise<void> {
  await channel.assertExchange(names.tasksExchange, 'direct', { durable: true });
  await channel.assertExchange(names.tasksDeadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(names.tasksDeadQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(names.tasksDeadQueue, names.tasksDeadLetterExchange, '');
}

/**
 * One quorum task queue bound to `koji.tasks` with `routingKey`. Both the poller (before
 * publishing) and executors (before consuming) declare it; the arguments must agree, so
 * they come from here only.
 */
export async function declareTaskQueue(
  channel: Channel,
  names: AmqpTopology,
  queue: string,
  routingKey: string,
  options: TaskQueueOptions,
): Promise<void> {
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': options.deliveryLimit,
      'x-dead-letter-exchange': names.tasksDeadLetterExchange,
    },
  });
  await channel.bindQueue(queue, names.tasksExchange, routingKey);
}

/** Exchanges, dead letters, the orchestration queue and one queue per arch. */
export async function declareTaskTopology(
  channel: Channel,
  names: AmqpTopology,
  arches: readonly string[],
  options: TaskQueueOptions,
): Promise<void> {
  await declareTaskExchanges(channel, names);
  await declareTaskQueue(channel, names, names.orchestrateQueue, names.orchestrateRoutingKey, options);
  for (const arch of arches) await declareTaskQueue(channel, names, names.taskQueue(arch), arch, options);
}
