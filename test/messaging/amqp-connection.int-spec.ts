import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type AmqpTopology, HEADERS } from '@koji-farm/contracts';
import {
  AmqpConnectError,
  AmqpConnection,
  deadLetter,
  declareTaskTopology,
  type InboundMessage,
  UnroutableMessageError,
} from '@koji-farm/messaging';
import { amqpTopology, connectForTest, deleteTopology, testNamespace } from '../support/amqp';

const run = promisify(execFile);

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
    await deleteTopology(sut, names, arches);
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
    const connectionName = `test-${names.tasksExchange}`;
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
    const line = stdout.split('\n').find((l) => l.includes(connectionName));
    expect(line).toBeDefined();
    const pid = line!.split('\t')[0];
    await run('rabbitmqctl', ['close_connection', pid, 'test: forced close']);
    // publish() waits for the reconnection, then the restarted consumer gets the message.
    await sut.publish(names.tasksExchange, 'x86_64', { after: 'reconnect' });
    const message = await inbox.next();
    expect(JSON.parse(message.content.toString())).toEqual({ after: 'reconnect' });
    expect(sut.isOpen).toBe(true);
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
