import { type Channel } from 'amqplib';
import { type AmqpTopology } from '@koji-farm/contracts';

/** The topic exchange every event goes to (routing key = event type). */
export async function declareEventsExchange(channel: Channel, names: AmqpTopology): Promise<void> {
  await channel.assertExchange(names.eventsExchange, 'topic', { durable: true });
}

/** The fanout exchange of control messages (cancel). */
export async function declareControlExchange(channel: Channel, names: AmqpTopology): Promise<void> {
  await channel.assertExchange(names.controlExchange, 'fanout', { durable: true });
}

export interface EventsLogOptions {
  /** Stream retention by age, RabbitMQ syntax (`1h`, `7D`). */
  maxAge: string;
  /** Stream retention by size. */
  maxLengthBytes: number;
}

/**
 * `koji.events.log`, the stream queue that keeps every event for monitors and external
 * readers (each at its own offset). Only monitors declare it, so its retention is theirs
 * to configure.
 */
export async function declareEventsLog(
  channel: Channel,
  names: AmqpTopology,
  options: EventsLogOptions,
): Promise<void> {
  await declareEventsExchange(channel, names);
  await channel.assertQueue(names.eventsLogQueue, {
    durable: true,
    arguments: {
      'x-queue-type': 'stream',
      'x-max-age': options.maxAge,
      'x-max-length-bytes': options.maxLengthBytes,
    },
  });
  await channel.bindQueue(names.eventsLogQueue, names.eventsExchange, '#');
}
