import { type AmqpTopology } from '@koji-farm/contracts';
import { type AmqpConnection, declareTaskTopology, type InboundMessage } from '@koji-farm/messaging';
import { SlotGatedConsumption } from '../../apps/executor/src/intake/slot-gated-consumption';
import { SlotPool } from '../../apps/executor/src/tasks/slot-pool';
import { amqpTopology, connectForTest, deleteTopology, testNamespace } from '../support/amqp';

/**
 * Issue 17.4: a task published once arrived as attempt 2 with one logged delivery. The
 * consumers followed the free slots by cancelling and re-subscribing, and RabbitMQ 3.10's
 * quorum queue hands a message it was sending to a cancelled consumer back to the queue
 * with `x-delivery-count` raised: a delivery nobody saw. Here the executor's intake
 * pattern (a slot taken on delivery, released when the message is settled, the
 * consumption updated at both) runs against the machine's broker: every message must
 * arrive exactly once, as a first delivery.
 */
describe('slot-gated consumption against RabbitMQ: no delivery handed back unseen', () => {
  let connection: AmqpConnection;
  let names: AmqpTopology;
  const arches = ['x86_64'];

  beforeEach(async () => {
    names = amqpTopology(testNamespace('gate-deliveries'));
    connection = await connectForTest(`test-${names.tasksExchange}`);
    await connection.addTopology((ch) => declareTaskTopology(ch, names, arches, { deliveryLimit: 5 }));
  });

  afterEach(async () => {
    await deleteTopology(connection, names, arches);
    await connection.close();
  });

  it('300 messages through 3 slots: each delivered once, none with a delivery count', async () => {
    const total = 300;
    const queue = names.taskQueue('x86_64');
    await Promise.all(
      Array.from({ length: total }, (_, n) => connection.publish(names.tasksExchange, 'x86_64', { n })),
    );
    const slots = new SlotPool(3);
    const deliveries: Array<{ n: number; deliveryCount: number }> = [];
    let finished!: () => void;
    const allSettled = new Promise<void>((resolve) => (finished = resolve));
    let settled = 0;
    const work = async (message: InboundMessage) => {
      const { n } = JSON.parse(message.content.toString()) as { n: number };
      deliveries.push({ n, deliveryCount: message.deliveryCount });
      await slots.acquire();
      void consumption.update();
      try {
        // short tasks of varied length: a few turns of the event loop, or a few ms
        if (n % 3 === 1) await new Promise((resolve) => setTimeout(resolve, n % 7));
        else for (let i = 0; i < n % 5; i++) await new Promise((resolve) => setImmediate(resolve));
        message.ack();
      } finally {
        slots.release();
        void consumption.update();
        if (++settled === total) finished();
      }
    };
    const consumption: SlotGatedConsumption = new SlotGatedConsumption(
      {
        size: slots.size,
        get free() {
          return slots.free;
        },
        accepting: () => true,
      },
      async (limit) => [await connection.consume(queue, work, { prefetch: limit })],
      (err) => {
        throw err;
      },
    );
    await consumption.update();
    await allSettled;
    await consumption.close();

    const redelivered = deliveries.filter((d) => d.deliveryCount > 0);
    expect(redelivered).toEqual([]);
    expect(deliveries.map((d) => d.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, n) => n),
    );
    const depth = await connection.withChannel((ch) => ch.checkQueue(queue));
    expect(depth.messageCount).toBe(0);
  }, 60_000);
});
