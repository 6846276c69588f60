import { type AmqpTopology, type FarmEvent } from '@koji-farm/contracts';
import { type AmqpConnection, declareEventsLog } from '@koji-farm/messaging';

/** Publishes in flight at once (AmqpConnection adds a close listener per publish; Node warns above 10). */
const WINDOW = 8;

/**
 * Publishes events to `koji.events` as executors and pollers do (routing key = type,
 * confirmed), keeping their order in the stream: each window is confirmed before the next.
 */
export async function publishEvents(
  connection: AmqpConnection,
  names: AmqpTopology,
  events: readonly (FarmEvent | Record<string, unknown>)[],
): Promise<void> {
  for (let i = 0; i < events.length; i += WINDOW) {
    const window = events.slice(i, i + WINDOW);
    // Sequential publishes on one confirm channel keep their order; awaiting the window
    // together only batches the confirms.
    await Promise.all(
      window.map((event) => connection.publish(names.eventsExchange, String(event.type), event)),
    );
  }
}

/** The stream queue as a monitor declares it, so that events published before any monitor started are kept. */
export async function declareStream(connection: AmqpConnection, names: AmqpTopology): Promise<void> {
  await connection.withChannel((channel) =>
    declareEventsLog(channel, names, { maxAge: '1h', maxLengthBytes: 200 * 1024 * 1024 }),
  );
}
