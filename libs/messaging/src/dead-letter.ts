import { type AmqpTopology, HEADERS } from '@koji-farm/contracts';
import { type AmqpConnection } from './amqp-connection';
import { type InboundMessage } from './inbound-message';

/**
 * Moves a message to the dead-letter queue with the reason in a header, then acks it.
 * Used for messages koji-farm itself refuses (schema violations), which RabbitMQ's own
 * dead-lettering could only mark as "rejected". The copy is confirmed before the ack, so
 * the message is never lost in between.
 */
export async function deadLetter(
  connection: AmqpConnection,
  names: AmqpTopology,
  message: InboundMessage,
  reason: string,
  extraHeaders: Record<string, string | number | boolean> = {},
): Promise<void> {
  await connection.publish(names.tasksDeadLetterExchange, message.routingKey, message.content, {
    headers: {
      ...message.headers,
      ...extraHeaders,
      [HEADERS.deadReason]: reason.slice(0, 4000),
      [HEADERS.deadFromQueue]: message.queue,
    },
    messageId: message.properties.messageId as string | undefined,
  });
  message.ack();
}
