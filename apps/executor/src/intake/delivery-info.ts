import { HEADERS } from '@koji-farm/contracts';
import { type InboundMessage } from '@koji-farm/messaging';

export interface DeliveryInfo {
  /**
   * The poller's generation of the message (1 when the header is absent): a reissue or a
   * new opening of the task is a new message with a higher one (ADR 0053). It tells a
   * redelivery of the message an attempt runs from a newer message of its task. The
   * attempt number users see comes from the task's lease instead (ADR 0083).
   */
  generation: number;
  /** RabbitMQ's redelivery count of this message: 0 on the first delivery. */
  deliveryCount: number;
}

export function deliveryInfo(message: InboundMessage): DeliveryInfo {
  const raw = Number(message.headers[HEADERS.generation] ?? 1);
  const generation = Number.isInteger(raw) && raw >= 1 ? raw : 1;
  return { generation, deliveryCount: message.deliveryCount };
}
