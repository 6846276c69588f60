import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { farmEventSchema, type FarmEvent, type FarmEventType } from '@koji-farm/contracts';
import { type AmqpClient, AmqpRecord, EVENTS_CLIENT } from '@koji-farm/messaging';
import { lastValueFrom } from 'rxjs';

/** An event as its producer writes it: the envelope's id, time and version are added here. */
export type EventDraft<T extends FarmEvent = FarmEvent> = T extends FarmEvent
  ? Omit<T, 'v' | 'id' | 'at'>
  : never;

/**
 * Publishes farm events to `koji.events` with the event type as routing key (through the
 * transport's ClientProxy, `EVENTS_CLIENT`). Every event
 * is checked against the public contract first and published as parsed, so a field the
 * contract does not know (a leaked secret) never leaves the process.
 */
@Injectable()
export class EventPublisher {
  constructor(@Inject(EVENTS_CLIENT) private readonly events: AmqpClient) {}

  async publish(draft: EventDraft): Promise<FarmEvent> {
    const event = farmEventSchema.parse({ ...draft, v: 1, id: randomUUID(), at: new Date().toISOString() });
    // Resolves once the broker confirmed it; nobody may be bound to its type yet (fine).
    const type: FarmEventType = event.type;
    await lastValueFrom(this.events.emit(type, new AmqpRecord(event, { messageId: event.id })), {
      defaultValue: undefined,
    });
    return event;
  }
}
