import { HEADERS } from '@koji-farm/contracts';
import { type InboundMessage } from '@koji-farm/messaging';

export interface DeliveryInfo {
  /** The poller's reissue generation (1 when the header is absent). */
  generation: number;
  /** RabbitMQ's redelivery count of this message: 0 on the first delivery. */
  deliveryCount: number;
  /**
   * The attempt number of events and container labels, unique per task across
   * generations: `(generation - 1) × (deliveryLimit + 1) + deliveryCount + 1`, which is
   * `deliveryCount + 1` for a task the poller published once (ADR 0061).
   */
  attempt: number;
}

export function deliveryInfo(message: InboundMessage, deliveryLimit: number): DeliveryInfo {
  const raw = Number(message.headers[HEADERS.generation] ?? 1);
  const generation = Number.isInteger(raw) && raw >= 1 ? raw : 1;
  const deliveryCount = message.deliveryCount;
  return { generation, deliveryCount, attempt: (generation - 1) * (deliveryLimit + 1) + deliveryCount + 1 };
}
