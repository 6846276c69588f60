import { type AmqpTopology, HEADERS } from '@koji-farm/contracts';
import { type AmqpConnection, type InboundMessage } from '@koji-farm/messaging';

/**
 * Returns a task message to its queue as a fresh copy, then acks the original: unlike a
 * nack, which a quorum queue counts as a delivery (so that a few hand-backs would
 * dead-letter a task that never failed), the copy starts with no delivery count. For a
 * message handed back because another executor holds its task (ADR 0083), not for one
 * that failed. The copy is confirmed before the ack, so nothing is lost in between (a
 * lost ack leaves a duplicate, which the task lease drops).
 */
export async function handBackCopy(
  connection: AmqpConnection,
  names: AmqpTopology,
  message: InboundMessage,
): Promise<void> {
  const headers = { ...message.headers };
  delete headers[HEADERS.deliveryCount];
  await connection.publish(names.tasksExchange, message.routingKey, message.content, {
    headers,
    priority: message.properties.priority as number | undefined,
    messageId: message.properties.messageId as string | undefined,
  });
  message.ack();
}
