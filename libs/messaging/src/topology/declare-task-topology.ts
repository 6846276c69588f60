import { type Channel } from 'amqplib';
import { type AmqpTopology } from '@koji-farm/contracts';

export const DEFAULT_DELIVERY_LIMIT = 5;

export interface TaskQueueOptions {
  /** Redeliveries before RabbitMQ dead-letters a message (quorum `x-delivery-limit`). */
  deliveryLimit: number;
}

/**
 * The task exchanges and the dead-letter queues. Every task queue dead-letters into
 * `koji.tasks.dlx` (fanout), whatever its routing key, which copies each dead letter to
 * `koji.tasks.dead` (kept for operators) and `koji.tasks.dead.poller` (the leading
 * poller fails the task on the hub, ADR 0058). Declared by everyone who declares task
 * queues, so no dead letter is dropped for want of a queue, even before a poller ran.
 */
export async function declareTaskExchanges(channel: Channel, names: AmqpTopology): Promise<void> {
  await channel.assertExchange(names.tasksExchange, 'direct', { durable: true });
  await channel.assertExchange(names.tasksDeadLetterExchange, 'fanout', { durable: true });
  for (const queue of [names.tasksDeadQueue, names.tasksDeadPollerQueue]) {
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(queue, names.tasksDeadLetterExchange, '');
  }
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
