import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology, farmEventSchema, type FarmEvent, type FarmEventType } from '@koji-farm/contracts';
import { AMQP_TOPOLOGY, AmqpConnection } from '@koji-farm/messaging';

/** An event as its producer writes it: the envelope's id, time and version are added here. */
export type EventDraft<T extends FarmEvent = FarmEvent> = T extends FarmEvent
  ? Omit<T, 'v' | 'id' | 'at'>
  : never;

/**
 * Publishes farm events to `koji.events` with the event type as routing key. Every event
 * is checked against the public contract first and published as parsed, so a field the
 * contract does not know (a leaked secret) never leaves the process.
 */
@Injectable()
export class EventPublisher {
  constructor(
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
  ) {}

  async publish(draft: EventDraft): Promise<FarmEvent> {
    const event = farmEventSchema.parse({ ...draft, v: 1, id: randomUUID(), at: new Date().toISOString() });
    // Nobody may be bound to an event type yet (no monitor running): that is fine.
    await this.connection.publish(this.names.eventsExchange, event.type satisfies FarmEventType, event, {
      mandatory: false,
      messageId: event.id,
    });
    return event;
  }
}
