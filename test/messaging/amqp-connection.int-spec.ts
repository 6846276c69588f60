import { execFile } from 'node:child_process';
import { type Channel } from 'amqplib';
import { promisify } from 'node:util';
import { type AmqpTopology, HEADERS } from '@koji-farm/contracts';
import {
  AmqpConnectError,
  AmqpConnection,
  ChannelClosedError,
  deadLetter,
  ExchangeNotFoundError,
  declareTaskTopology,
  type InboundMessage,
  UnroutableMessageError,
} from '@koji-farm/messaging';
import { amqpTopology, connectForTest, deleteTopology, TEST_AMQP_URL, testNamespace } from '../support/amqp';

const run = promisify(execFile);

/** Has the broker close the client connection named `connectionName` (a network cut, an operator). */
async function closeConnection(connectionName: string): Promise<void> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
  const line = stdout.split('\n').find((l) => l.includes(`"${connectionName}"`));
  if (!line) throw new Error(`no RabbitMQ connection named ${connectionName}`);
  await run('rabbitmqctl', ['close_connection', line.split('\t')[0], 'test: forced close']);
}

/** A queue's consumers, as the broker counts them; -1 while it does not exist. */
async function consumerCount(connection: AmqpConnection, queue: string): Promise<number> {
  return connection
    .withChannel((ch) => ch.checkQueue(queue))
    .then(
      (q) => q.consumerCount,
      () => -1,
    );
}

/** A consumer's own declaration: an exclusive `queue` bound to the fanout `exchange`, as the control consumers declare theirs. */
function bindToControl(exchange: string, queue: string): (ch: Channel) => Promise<void> {
  return async (ch) => {
    await ch.assertExchange(exchange, 'fanout', { durable: true });
    await ch.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
    await ch.bindQueue(queue, exchange, '');
  };
}

/** Polls `condition` until it holds (the deadline only stops a hung test). */
async function until(condition: () => Promise<boolean>, deadlineMs = 25_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves with the reason once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );
}

/** Collects deliveries and lets a test await the n-th one. */
class Inbox {
  readonly messages: InboundMessage[] = [];
  private taken = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly handler = async (message: InboundMessage): Promise<void> => {
    this.messages.push(message);
    this.waiters = this.waiters.filter((w) =>
      this.messages.length >= w.count ? (w.resolve(), false) : true,
    );
    await Promise.resolve();
  };

  /** The next message not yet returned by next(), or the count-th message overall. */
  next(count = ++this.taken): Promise<InboundMessage> {
    if (this.messages.length >= count) return Promise.resolve(this.messages[count - 1]);
    return new Promise((resolve) =>
      this.waiters.push({ count, resolve: () => resolve(this.messages[count - 1]) }),
    );
  }
}

describe(AmqpConnection.name, () => {
  let sut: AmqpConnection;
  let names: AmqpTopology;
  const arches = ['x86_64'];

  beforeEach(async () => {
    names = amqpTopology(testNamespace('amqp'));
    sut = await connectForTest(`test-${names.tasksExchange}`);
    await sut.addTopology((ch) => declareTaskTopology(ch, names, arches, { deliveryLimit: 2 }));
  });

  afterEach(async () => {
    await deleteTopology(sut, names, arches, [names.tasksDeadPollerQueue]);
    await sut.close();
  });

  it('publishes with a confirm and delivers to a manual-ack consumer', async () => {
    const inbox = new Inbox();
    await sut.consume(names.taskQueue('x86_64'), inbox.handler, { prefetch: 1 });
    await sut.publish(names.tasksExchange, 'x86_64', { hello: 'world' });
    const message = await inbox.next();
    expect(JSON.parse(message.content.toString())).toEqual({ hello: 'world' });
    expect(message.deliveryCount).toBe(0);
    expect(message.ack()).toBe(true);
    expect(message.ack()).toBe(false);
  });

  it('confirms many concurrent publishes without piling up listeners', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await Promise.all(
        Array.from({ length: 50 }, (_, n) => sut.publish(names.tasksExchange, 'x86_64', { n })),
      );
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    const depth = await sut.withChannel((ch) => ch.checkQueue(names.taskQueue('x86_64')));
    expect(depth.messageCount).toBe(50);
  });

  it('refuses a mandatory message that no queue takes', async () => {
    await expect(sut.publish(names.tasksExchange, 'no-such-arch', { x: 1 })).rejects.toBeInstanceOf(
      UnroutableMessageError,
    );
  });

  it('counts redeliveries and dead-letters after the delivery limit', async () => {
    const inbox = new Inbox();
    const dead = new Inbox();
    await sut.consume(names.tasksDeadQueue, dead.handler, { prefetch: 5 });
    await sut.consume(
      names.taskQueue('x86_64'),
      async (m) => {
        await inbox.handler(m);
        m.nack(true);
      },
      { prefetch: 1 },
    );
    await sut.publish(names.tasksExchange, 'x86_64', { n: 1 });
    const third = await inbox.next(3);
    expect(inbox.messages.slice(0, 3).map((m) => m.deliveryCount)).toEqual([0, 1, 2]);
    expect(third.redelivered).toBe(true);
    const corpse = await dead.next();
    const deaths = corpse.headers['x-death'] as Array<{ reason: string; queue: string }>;
    expect(deaths[0]).toMatchObject({ reason: 'delivery_limit', queue: names.taskQueue('x86_64') });
    corpse.ack();
  });

  it('dead-letters a refused message with the reason in a header', async () => {
    const inbox = new Inbox();
    const dead = new Inbox();
    await sut.consume(names.tasksDeadQueue, dead.handler, { prefetch: 5 });
    await sut.consume(names.taskQueue('x86_64'), inbox.handler, { prefetch: 1 });
    await sut.publish(names.tasksExchange, 'x86_64', Buffer.from('{not json'));
    await deadLetter(sut, names, await inbox.next(), 'invalid JSON: Unexpected token n');
    const corpse = await dead.next();
    expect(corpse.content.toString()).toBe('{not json');
    expect(corpse.headers[HEADERS.deadReason]).toBe('invalid JSON: Unexpected token n');
    expect(corpse.headers[HEADERS.deadFromQueue]).toBe(names.taskQueue('x86_64'));
    // The leading poller's copy (ADR 0058) waits in its own queue.
    const pollerCopy = await sut.withChannel((ch) => ch.get(names.tasksDeadPollerQueue, { noAck: true }));
    expect(pollerCopy && pollerCopy.content.toString()).toBe('{not json');
  });

  it('reconnects after the broker closes the connection and resumes consuming', async () => {
    const inbox = new Inbox();
    await sut.consume(
      names.taskQueue('x86_64'),
      async (m) => {
        await inbox.handler(m);
        m.ack();
      },
      { prefetch: 1 },
    );
    await closeConnection(`test-${names.tasksExchange}`);
    // publish() waits for the reconnection, then the restarted consumer gets the message.
    await sut.publish(names.tasksExchange, 'x86_64', { after: 'reconnect' });
    const message = await inbox.next();
    expect(JSON.parse(message.content.toString())).toEqual({ after: 'reconnect' });
    expect(sut.isOpen).toBe(true);
  }, 30_000);

  it('tells a message being handled that its channel is gone, and the broker redelivers it', async () => {
    const inbox = new Inbox();
    // Holds every message unsettled, as a long task does.
    await sut.consume(names.taskQueue('x86_64'), inbox.handler, { prefetch: 1 });
    await sut.publish(names.tasksExchange, 'x86_64', { n: 1 });
    const first = await inbox.next();
    expect(first.channelLost.aborted).toBe(false);

    await closeConnection(`test-${names.tasksExchange}`);
    const reason = await aborted(first.channelLost);
    expect(reason).toBeInstanceOf(ChannelClosedError);
    expect((reason as ChannelClosedError).queue).toBe(names.taskQueue('x86_64'));
    expect(first.ack()).toBe(false);

    const again = await inbox.next();
    expect(JSON.parse(again.content.toString())).toEqual({ n: 1 });
    expect(again.redelivered).toBe(true);
    expect(again.deliveryCount).toBe(1);
    expect(again.channelLost.aborted).toBe(false);
    expect(again.ack()).toBe(true);
  }, 30_000);

  it("closes a cancelled consumer's channel once the messages it delivered are handled", async () => {
    const inbox = new Inbox();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const handle = await sut.consume(
      names.taskQueue('x86_64'),
      async (m) => {
        await inbox.handler(m);
        await released;
        m.ack();
      },
      { prefetch: 1 },
    );
    await sut.publish(names.tasksExchange, 'x86_64', { n: 1 });
    const message = await inbox.next();
    await handle.cancel();
    // Still open for the message in hand...
    expect(message.channelLost.aborted).toBe(false);
    release();
    // ...and closed once its handler settled it.
    expect(await aborted(message.channelLost)).toBeInstanceOf(ChannelClosedError);
    expect(message.isSettled).toBe(true);
    const depth = await sut.withChannel((ch) => ch.checkQueue(names.taskQueue('x86_64')));
    expect(depth).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });

  it('a consumer cancelled and another started while reconnecting: only the new one consumes afterwards', async () => {
    const queue = names.taskQueue('x86_64');
    const old = new Inbox();
    const fresh = new Inbox();
    const handle = await sut.consume(queue, old.handler, { prefetch: 1 });
    await closeConnection(`test-${names.tasksExchange}`);
    const deadline = Date.now() + 5000;
    while (sut.isOpen && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(sut.isOpen).toBe(false);

    // What the executor's intake does when a slot changes during a reconnection.
    await Promise.all([
      handle.cancel(),
      sut.consume(
        queue,
        async (m) => {
          await fresh.handler(m);
          m.ack();
        },
        { prefetch: 1 },
      ),
    ]);
    expect(sut.isOpen).toBe(true);
    expect(await sut.withChannel((ch) => ch.checkQueue(queue))).toMatchObject({ consumerCount: 1 });
    await sut.publish(names.tasksExchange, 'x86_64', { n: 1 });
    await sut.publish(names.tasksExchange, 'x86_64', { n: 2 });
    await fresh.next(2);
    expect(old.messages).toHaveLength(0);
  }, 30_000);

  it('setPrefetch(0) pauses a consumer and a later setPrefetch resumes it, on the same channel', async () => {
    const queue = names.taskQueue('x86_64');
    const inbox = new Inbox();
    const handle = await sut.consume(queue, inbox.handler, { prefetch: 1 });
    await sut.publish(names.tasksExchange, 'x86_64', { n: 1 });
    const first = await inbox.next();

    await handle.setPrefetch(0);
    await sut.publish(names.tasksExchange, 'x86_64', { n: 2 });
    expect(await sut.withChannel((ch) => ch.checkQueue(queue))).toMatchObject({ messageCount: 1 });
    // What it delivered before the pause is still settled on its channel.
    expect(first.ack()).toBe(true);

    await handle.setPrefetch(1);
    const second = await inbox.next();
    expect(JSON.parse(second.content.toString())).toEqual({ n: 2 });
    expect(second.ack()).toBe(true);
  });

  it('paused while holding messages and resumed, it takes new ones as the held ones settle (same limit)', async () => {
    const queue = names.taskQueue('x86_64');
    const inbox = new Inbox();
    const handle = await sut.consume(queue, inbox.handler, { prefetch: 2 });
    await sut.publish(names.tasksExchange, 'x86_64', { n: 1 });
    await sut.publish(names.tasksExchange, 'x86_64', { n: 2 });
    const held = [await inbox.next(), await inbox.next()];
    expect(handle.held()).toBe(2);
    await handle.setPrefetch(0);
    await handle.setPrefetch(2);
    for (const m of held) expect(m.ack()).toBe(true);
    expect(handle.held()).toBe(0);
    // The executor's intake asks for the same limit again when slots free up.
    await handle.setPrefetch(2);
    await sut.publish(names.tasksExchange, 'x86_64', { n: 3 });
    await sut.publish(names.tasksExchange, 'x86_64', { n: 4 });
    const next = [await inbox.next(), await inbox.next()];
    expect(next.map((m) => (JSON.parse(m.content.toString()) as { n: number }).n).sort()).toEqual([3, 4]);
    expect(next.map((m) => m.deliveryCount)).toEqual([0, 0]);
    for (const m of next) m.ack();
  });

  it('a message held across a prefetch change comes back once after a connection drop (x-delivery-count 1)', async () => {
    const queue = names.taskQueue('x86_64');
    const inbox = new Inbox();
    // Holds every message unsettled, as a running task does.
    const handle = await sut.consume(queue, inbox.handler, { prefetch: 2 });
    await sut.publish(names.tasksExchange, 'x86_64', { n: 1 });
    const held = await inbox.next();
    await handle.setPrefetch(1);

    await closeConnection(`test-${names.tasksExchange}`);
    await aborted(held.channelLost);
    const again = await inbox.next();
    expect(JSON.parse(again.content.toString())).toEqual({ n: 1 });
    expect(again.deliveryCount).toBe(1);
    expect(again.ack()).toBe(true);
  }, 30_000);

  it('a consumer whose channel the broker closed (a channel-level error) consumes again on the same connection', async () => {
    const queue = names.taskQueue('x86_64');
    const inbox = new Inbox();
    const channels: Channel[] = [];
    await sut.consume(
      queue,
      async (m) => {
        // Acked before the test sees it, so that the channel's close does not return it.
        m.ack();
        await inbox.handler(m);
      },
      { prefetch: 1, beforeConsume: (ch) => Promise.resolve(void channels.push(ch)) },
    );
    await sut.publish(names.tasksExchange, 'x86_64', { n: 1 });
    await inbox.next();
    // A 404 closes the channel it was asked on (and only that channel).
    await expect(channels[0].checkQueue(`${queue}-no-such-queue`)).rejects.toMatchObject({ code: 404 });
    await until(() => Promise.resolve(channels.length === 2));
    expect(sut.isOpen).toBe(true);
    await sut.publish(names.tasksExchange, 'x86_64', { n: 2 });
    const second = await inbox.next();
    expect(JSON.parse(second.content.toString())).toEqual({ n: 2 });
    expect(second.deliveryCount).toBe(0);
  }, 30_000);

  it('a queue deleted under a running consumer is declared again and the consumer gets the next message', async () => {
    const queue = names.taskQueue('x86_64');
    const inbox = new Inbox();
    await sut.consume(
      queue,
      async (m) => {
        await inbox.handler(m);
        m.ack();
      },
      { prefetch: 1 },
    );
    // What a second farm's clean-up in the same namespace did to the first farm.
    const other = await connectForTest(`test-${names.tasksExchange}-deleter`);
    try {
      await other.withChannel((ch) => ch.deleteQueue(queue));
      await other.withChannel((ch) => ch.deleteExchange(names.tasksExchange));
    } finally {
      await other.close();
    }

    // The consumer comes back on a queue that exists again, bound again.
    await until(async () => (await consumerCount(sut, queue)) === 1);
    await sut.publish(names.tasksExchange, 'x86_64', { after: 'delete' });
    const message = await inbox.next();
    expect(JSON.parse(message.content.toString())).toEqual({ after: 'delete' });
  }, 30_000);

  it('a publish to an exchange deleted meanwhile fails, and the next one goes through on the declared-again topology', async () => {
    const inbox = new Inbox();
    await sut.consume(
      names.taskQueue('x86_64'),
      async (m) => {
        await inbox.handler(m);
        m.ack();
      },
      { prefetch: 1 },
    );
    await sut.withChannel((ch) => ch.deleteExchange(names.tasksExchange));

    // The broker closes the publish channel (404): that message was not taken.
    await expect(sut.publish(names.tasksExchange, 'x86_64', { n: 1 })).rejects.toBeInstanceOf(
      ExchangeNotFoundError,
    );
    await sut.publish(names.tasksExchange, 'x86_64', { n: 2 });
    const message = await inbox.next();
    expect(JSON.parse(message.content.toString())).toEqual({ n: 2 });
    expect(inbox.messages).toHaveLength(1);
  }, 30_000);

  it("a consumer's own bindings (declare) come back when the exchange was deleted and declared again", async () => {
    const queue = `${names.controlExchange}.test-${Date.now()}`;
    const inbox = new Inbox();
    await sut.consume(
      queue,
      async (m) => {
        await inbox.handler(m);
        m.ack();
      },
      {
        prefetch: 1,
        exclusive: true,
        declare: bindToControl(names.controlExchange, queue),
      },
    );
    await sut.addTopology((ch) =>
      ch.assertExchange(names.controlExchange, 'fanout', { durable: true }).then(() => undefined),
    );
    await sut.withChannel((ch) => ch.deleteExchange(names.controlExchange));

    // The publish meets the 404; the exchange and the queue's binding are declared again.
    await expect(
      sut.publish(names.controlExchange, '', { n: 1 }, { mandatory: false }),
    ).rejects.toBeInstanceOf(ExchangeNotFoundError);
    await sut.publish(names.controlExchange, '', { n: 2 });
    const message = await inbox.next();
    expect(JSON.parse(message.content.toString())).toEqual({ n: 2 });
  }, 30_000);

  it("an exchange deleted and declared again by another process gets this consumer's binding back (topology refresh)", async () => {
    const refreshing = await AmqpConnection.connect({
      url: TEST_AMQP_URL,
      connectionName: `test-${names.tasksExchange}-refresh`,
      connectAttempts: 3,
      retryDelayMs: 200,
      topologyRefreshMs: 100,
    });
    try {
      const queue = `${names.controlExchange}.refresh-${Date.now()}`;
      const inbox = new Inbox();
      await refreshing.consume(
        queue,
        async (m) => {
          await inbox.handler(m);
          m.ack();
        },
        {
          prefetch: 1,
          exclusive: true,
          declare: bindToControl(names.controlExchange, queue),
        },
      );
      // Someone else deletes the exchange and declares it again: the binding is gone, no 404 here.
      await sut.withChannel((ch) => ch.deleteExchange(names.controlExchange));
      await sut.withChannel((ch) => ch.assertExchange(names.controlExchange, 'fanout', { durable: true }));

      await until(async () => {
        await sut.publish(names.controlExchange, '', { n: 1 }, { mandatory: false });
        return inbox.messages.length > 0;
      });
      expect(JSON.parse(inbox.messages[0].content.toString())).toEqual({ n: 1 });
    } finally {
      await refreshing.close();
    }
  }, 30_000);

  it('fails at boot after bounded attempts, without the password in the error', async () => {
    const attempt = AmqpConnection.connect({
      url: 'amqp://guest:s3cret@127.0.0.1:1',
      connectionName: 'test-bad-url',
      connectAttempts: 2,
      retryDelayMs: 10,
    });
    await expect(attempt).rejects.toBeInstanceOf(AmqpConnectError);
    await expect(attempt).rejects.toThrow(/after 2 attempt/);
    await attempt.catch((err: Error) => expect(err.message).not.toContain('s3cret'));
  });
});
