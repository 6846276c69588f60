import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { farmEventSchema, type FarmEvent, type FarmEventType } from '@koji-farm/contracts';
import { type AmqpClient, AmqpRecord, EVENTS_CLIENT } from '@koji-farm/messaging';
import { lastValueFrom } from 'rxjs';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { EventBacklog } from './event-backlog';

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
  /** Task events waiting for the broker, shared by every attempt (EVENT_BACKLOG_MB). */
  readonly backlog: EventBacklog;

  constructor(
    @Inject(EVENTS_CLIENT) private readonly events: AmqpClient,
    @Inject(EXECUTOR_CONFIG) config: Pick<ExecutorConfig, 'eventBacklogBytes'>,
  ) {
    this.backlog = new EventBacklog(config.eventBacklogBytes);
  }

  async publish(draft: EventDraft): Promise<FarmEvent> {
    const event = this.prepare(draft);
    await this.send(event);
    return event;
  }

  /**
   * The event as it will be published: checked against the contract, with its id and
   * time of emission (a retry later sends the same event, same id and time).
   */
  prepare(draft: EventDraft): FarmEvent {
    return farmEventSchema.parse({ ...draft, v: 1, id: randomUUID(), at: new Date().toISOString() });
  }

  /** Resolves once the broker confirmed it; nobody may be bound to its type yet (fine). */
  async send(event: FarmEvent): Promise<void> {
    const type: FarmEventType = event.type;
    await lastValueFrom(this.events.emit(type, new AmqpRecord(event, { messageId: event.id })), {
      defaultValue: undefined,
    });
  }
}
