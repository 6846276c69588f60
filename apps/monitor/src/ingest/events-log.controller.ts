import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AmqpContext, AmqpController } from '@koji-farm/messaging';
import { EVENTS_LOG_PATTERN, EventsLogConsumer, type EventsLogDelivery } from './events-log-consumer';

/** Every message of `koji.events.log` goes to the fold pipeline (which acks it once folded). */
@AmqpController()
export class EventsLogController {
  constructor(private readonly consumer: EventsLogConsumer) {}

  @EventPattern(EVENTS_LOG_PATTERN)
  onEvent(@Payload() delivery: EventsLogDelivery, @Ctx() context: AmqpContext): void {
    this.consumer.accept(context.getMessage(), delivery.generation);
  }
}
