import { randomUUID } from 'node:crypto';
import {
  type AmqpTopology,
  type ControlMessage,
  controlMessageSchema,
  farmEventSchema,
  type FarmEvent,
  type TaskMessage,
  taskMessageSchema,
} from '@koji-farm/contracts';
import {
  type AmqpConnection,
  type ConsumerHandle,
  DEFAULT_DELIVERY_LIMIT,
  declareControlExchange,
  declareEventsExchange,
  declareTaskExchanges,
  declareTaskQueue,
} from '@koji-farm/messaging';

export interface Received<T> {
  body: T;
  headers: Record<string, unknown>;
  messageId?: string;
  /** Date.now() when the consumer got it. */
  at: number;
}

/** Collects what arrives on one queue; `waitFor` resolves when enough has. */
export class Collector<T> {
  readonly items: Array<Received<T>> = [];
  private readonly waiters = new Set<() => void>();
  private readonly listeners: Array<(item: Received<T>) => void> = [];
  handle?: ConsumerHandle;

  push(item: Received<T>): void {
    this.items.push(item);
    for (const listener of this.listeners) listener(item);
    for (const wake of [...this.waiters]) wake();
  }

  /** Calls `listener` with every item that arrives from now on. */
  onItem(listener: (item: Received<T>) => void): void {
    this.listeners.push(listener);
  }

  async waitFor(
    match: (items: ReadonlyArray<Received<T>>) => boolean,
    timeoutMs = 20_000,
    what = 'messages',
  ): Promise<ReadonlyArray<Received<T>>> {
    const deadline = Date.now() + timeoutMs;
    while (!match(this.items)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what} (have ${this.items.length})`);
      await new Promise<void>((resolve) => {
        const waiters = this.waiters;
        const timer = setTimeout(done, remaining);
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
    return this.items;
  }

  waitForCount(n: number, timeoutMs?: number): Promise<ReadonlyArray<Received<T>>> {
    return this.waitFor((items) => items.length >= n, timeoutMs, `${n} messages`);
  }

  async cancel(): Promise<void> {
    await this.handle?.cancel();
  }
}

/** Consumes a task queue as an executor would (declared with the same arguments) and acks. */
export async function watchTaskQueue(
  amqp: AmqpConnection,
  names: AmqpTopology,
  routingKey: string,
): Promise<Collector<TaskMessage>> {
  const queue =
    routingKey === names.orchestrateRoutingKey ? names.orchestrateQueue : names.taskQueue(routingKey);
  await amqp.withChannel(async (channel) => {
    await declareTaskExchanges(channel, names);
    await declareTaskQueue(channel, names, queue, routingKey, { deliveryLimit: DEFAULT_DELIVERY_LIMIT });
  });
  const collector = new Collector<TaskMessage>();
  collector.handle = await amqp.consume(
    queue,
    (message) => {
      const at = Date.now();
      collector.push({
        body: taskMessageSchema.parse(JSON.parse(message.content.toString('utf8'))),
        headers: message.headers,
        messageId: message.properties.messageId as string | undefined,
        at,
      });
      message.ack();
      return Promise.resolve();
    },
    { prefetch: 100 },
  );
  return collector;
}

/** An exclusive queue on `koji.control`, as each executor has. */
export async function watchControl(
  amqp: AmqpConnection,
  names: AmqpTopology,
): Promise<Collector<ControlMessage>> {
  const queue = `${names.controlExchange}.test-${randomUUID().slice(0, 8)}`;
  const collector = new Collector<ControlMessage>();
  collector.handle = await amqp.consume(
    queue,
    (message) => {
      collector.push({
        body: controlMessageSchema.parse(JSON.parse(message.content.toString('utf8'))),
        headers: message.headers,
        at: Date.now(),
      });
      message.ack();
      return Promise.resolve();
    },
    {
      prefetch: 100,
      beforeConsume: async (channel) => {
        await declareControlExchange(channel, names);
        await channel.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
        await channel.bindQueue(queue, names.controlExchange, '');
      },
    },
  );
  return collector;
}

/** Every event of the given types on `koji.events`, each checked against the public contract. */
export async function watchEvents(
  amqp: AmqpConnection,
  names: AmqpTopology,
  types: string[],
): Promise<Collector<FarmEvent>> {
  const queue = `${names.eventsExchange}.test-${randomUUID().slice(0, 8)}`;
  const collector = new Collector<FarmEvent>();
  collector.handle = await amqp.consume(
    queue,
    (message) => {
      collector.push({
        body: farmEventSchema.parse(JSON.parse(message.content.toString('utf8'))),
        headers: message.headers,
        at: Date.now(),
      });
      message.ack();
      return Promise.resolve();
    },
    {
      prefetch: 100,
      beforeConsume: async (channel) => {
        await declareEventsExchange(channel, names);
        await channel.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
        for (const type of types) await channel.bindQueue(queue, names.eventsExchange, type);
      },
    },
  );
  return collector;
}
