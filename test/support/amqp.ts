import { randomUUID } from 'node:crypto';
import { type AmqpTopology, amqpTopology } from '@koji-farm/contracts';
import { AmqpConnection } from '@koji-farm/messaging';

export const TEST_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** A namespace (queue/exchange prefix) no other test uses. */
export function testNamespace(label = 'test'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export async function connectForTest(name: string): Promise<AmqpConnection> {
  return AmqpConnection.connect({
    url: TEST_AMQP_URL,
    connectionName: name,
    connectAttempts: 3,
    retryDelayMs: 200,
  });
}

/** Deletes every queue and exchange a test's namespace may have made. */
export async function deleteTopology(
  connection: AmqpConnection,
  names: AmqpTopology,
  arches: readonly string[] = [],
  extraQueues: readonly string[] = [],
): Promise<void> {
  const queues = [
    names.orchestrateQueue,
    names.tasksDeadQueue,
    names.tasksDeadPollerQueue,
    names.eventsLogQueue,
    ...arches.map((a) => names.taskQueue(a)),
    ...extraQueues,
  ];
  const exchanges = [
    names.tasksExchange,
    names.tasksDeadLetterExchange,
    names.controlExchange,
    names.eventsExchange,
  ];
  for (const queue of queues)
    await connection.withChannel((ch) => ch.deleteQueue(queue)).catch(() => undefined);
  for (const exchange of exchanges)
    await connection.withChannel((ch) => ch.deleteExchange(exchange)).catch(() => undefined);
}

export { amqpTopology };
