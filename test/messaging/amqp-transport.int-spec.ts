import { Injectable, type INestMicroservice, Module } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { LoggerModule } from 'nestjs-pino';
import { lastValueFrom } from 'rxjs';
import { HEADERS } from '@koji-farm/contracts';
import {
  AmqpClient,
  AmqpContext,
  AmqpController,
  AmqpRecord,
  AmqpServer,
  type AmqpConnection,
  createAmqpMicroservice,
  declareTaskTopology,
  type InboundMessage,
  MessagingModule,
  TransportNotConnectedError,
  UnroutableMessageError,
} from '@koji-farm/messaging';
import { silentLogger } from '@koji-farm/observability';
import { amqpTopology, connectForTest, deleteTopology, testNamespace, TEST_AMQP_URL } from '../support/amqp';

class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/** What the handlers saw, and a way to wait for it. */
@Injectable()
class Seen {
  readonly calls: Array<{ pattern: string; payload: unknown; message: InboundMessage }> = [];
  private waiters: Array<() => void> = [];

  record(context: AmqpContext, payload: unknown): void {
    this.calls.push({ pattern: context.getPattern(), payload, message: context.getMessage() });
    for (const wake of this.waiters.splice(0)) wake();
  }

  async count(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

@AmqpController()
class ShapesController {
  constructor(private readonly seen: Seen) {}

  @MessagePattern({ shape: 'circle' }, { sides: 0 })
  circle(@Payload() payload: unknown, @Ctx() context: AmqpContext): string {
    this.seen.record(context, payload);
    context.getMessage().ack();
    return 'round';
  }

  @MessagePattern({ shape: 'square' }, { sides: 4 })
  square(@Payload() payload: unknown, @Ctx() context: AmqpContext): never {
    this.seen.record(context, payload);
    throw new ShapeError('squares are not allowed');
  }

  @EventPattern('shape.flaky')
  flaky(@Payload() payload: unknown, @Ctx() context: AmqpContext): Promise<void> {
    this.seen.record(context, payload);
    if (context.getMessage().deliveryCount === 0) return Promise.reject(new Error('first time fails'));
    context.getMessage().ack();
    return Promise.resolve();
  }
}

jest.setTimeout(30_000);

describe(AmqpServer.name, () => {
  let namespace: string;
  let admin: AmqpConnection;
  let app: INestMicroservice;
  let sut: AmqpServer;
  let seen: Seen;
  const names = () => amqpTopology(namespace);
  const queue = () => `${namespace}.shapes`;

  beforeEach(async () => {
    namespace = testNamespace('transport');
    admin = await connectForTest(`${namespace}-admin`);
    await admin.withChannel(async (channel) => {
      await declareTaskTopology(channel, names(), [], { deliveryLimit: 5 });
      await channel.assertQueue(queue(), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    });
    @Module({
      imports: [
        LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }),
        MessagingModule.forRoot({ url: TEST_AMQP_URL, namespace, connectionName: `${namespace}-app` }),
      ],
      controllers: [ShapesController],
      providers: [Seen],
    })
    class ShapesModule {}
    app = await createAmqpMicroservice({ module: ShapesModule }, { logger: false });
    await app.listen();
    sut = app.get(AmqpServer);
    seen = app.get(Seen);
  });

  afterEach(async () => {
    await app.close();
    await deleteTopology(admin, names(), [], [queue()]);
    await admin.close();
  });

  /**
   * Consumes the test queue: JSON `{shape, ...}` routes by shape. With `outcomes`, a
   * `deliver` records what handlers return or throw; without, the transport calls them.
   */
  function consumeShapes(outcomes?: unknown[]) {
    return sut.consume<Record<string, unknown>>({
      queue: queue(),
      consume: { prefetch: 5 },
      decode: (message) => {
        const body = JSON.parse(message.content.toString('utf8')) as Record<string, unknown>;
        if (typeof body.shape !== 'string') return { refused: 'a shape without a name' };
        if (body.shape === 'flaky') return { pattern: 'shape.flaky', data: body };
        return { pattern: { shape: body.shape }, data: body };
      },
      refuse: 'dead-letter',
      unhandled: (pattern, data) => `nobody draws ${String(data.shape)} (${pattern})`,
      deliver: outcomes
        ? async (delivery, invoke) => {
            try {
              outcomes.push({ returned: await invoke({ ...delivery.data, extras: delivery.extras }) });
            } catch (err) {
              outcomes.push({ threw: err });
              delivery.message.ack();
            }
          }
        : undefined,
    });
  }

  const send = (body: unknown) => admin.publish('', queue(), Buffer.from(JSON.stringify(body)));

  async function deadLetters(n: number): Promise<Array<{ headers: Record<string, unknown>; body: string }>> {
    const out: Array<{ headers: Record<string, unknown>; body: string }> = [];
    while (out.length < n) {
      const msg = await admin.withChannel((ch) => ch.get(names().tasksDeadQueue, { noAck: true }));
      if (msg) out.push({ headers: msg.properties.headers ?? {}, body: msg.content.toString('utf8') });
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return out;
  }

  it('lists the handlers Nest found, with the extras of their decorators', () => {
    expect(sut.patterns()).toEqual(
      expect.arrayContaining([
        { pattern: '{"shape":"circle"}', extras: { sides: 0 } },
        { pattern: '{"shape":"square"}', extras: { sides: 4 } },
        { pattern: 'shape.flaky', extras: {} },
      ]),
    );
  });

  it('routes a message to the handler of its pattern, which settles it, and returns its result', async () => {
    const outcomes: unknown[] = [];
    await consumeShapes(outcomes);
    await send({ shape: 'circle', radius: 2 });
    await seen.count(1);
    expect(seen.calls[0]).toMatchObject({
      pattern: '{"shape":"circle"}',
      payload: { shape: 'circle', radius: 2, extras: { sides: 0 } },
    });
    expect(seen.calls[0].message.isSettled).toBe(true);
    await waitFor(() => outcomes.length === 1);
    expect(outcomes).toEqual([{ returned: 'round' }]);
  });

  it('hands a handler error over as it was thrown (its class decides what happens)', async () => {
    const outcomes: Array<{ threw?: unknown }> = [];
    await consumeShapes(outcomes);
    await send({ shape: 'square' });
    await waitFor(() => outcomes.length === 1);
    expect(outcomes[0].threw).toBeInstanceOf(ShapeError);
    expect((outcomes[0].threw as Error).message).toBe('squares are not allowed');
  });

  it('dead-letters, with the reason, a message it cannot read and one that no handler takes', async () => {
    await consumeShapes();
    await send({ colour: 'red' });
    await send({ shape: 'hexagon' });
    const dead = await deadLetters(2);
    expect(dead.map((d) => d.headers[HEADERS.deadReason])).toEqual([
      'a shape without a name',
      'nobody draws hexagon ({"shape":"hexagon"})',
    ]);
    expect(dead.every((d) => d.headers[HEADERS.deadFromQueue] === queue())).toBe(true);
    expect(JSON.parse(dead[1].body)).toEqual({ shape: 'hexagon' });
    expect(seen.calls).toHaveLength(0);
  });

  it('puts a message back on its queue when its handler fails without settling it', async () => {
    await consumeShapes();
    await send({ shape: 'flaky' });
    await seen.count(2);
    expect(seen.calls.map((c) => c.message.deliveryCount)).toEqual([0, 1]);
    expect(seen.calls[1].message.isSettled).toBe(true);
  });

  it('stops every subscription on close', async () => {
    const handle = await consumeShapes();
    expect(handle.queue).toBe(queue());
    await sut.close();
    await send({ shape: 'circle' });
    const depth = await admin.withChannel((ch) => ch.checkQueue(queue()));
    expect(depth.messageCount).toBe(1);
    expect(seen.calls).toHaveLength(0);
  });

  it('refuses to consume for an app that was not connected to it (no handler registered)', async () => {
    const lonely = new AmqpServer(admin, names(), silentLogger);
    await expect(
      lonely.consume({
        queue: queue(),
        consume: { prefetch: 1 },
        decode: () => ({ refused: 'x' }),
        refuse: 'drop',
      }),
    ).rejects.toBeInstanceOf(TransportNotConnectedError);
  });
});

describe(AmqpClient.name, () => {
  let namespace: string;
  let connection: AmqpConnection;

  beforeEach(async () => {
    namespace = testNamespace('client');
    connection = await connectForTest(namespace);
    await connection.withChannel(async (ch) => {
      await ch.assertExchange(`${namespace}.x`, 'direct', { durable: false, autoDelete: true });
      await ch.assertQueue(`${namespace}.q`, { durable: false, autoDelete: true });
      await ch.bindQueue(`${namespace}.q`, `${namespace}.x`, 'to-q');
    });
  });

  afterEach(async () => {
    await connection.withChannel((ch) => ch.deleteQueue(`${namespace}.q`)).catch(() => undefined);
    await connection.withChannel((ch) => ch.deleteExchange(`${namespace}.x`)).catch(() => undefined);
    await connection.close();
  });

  it('publishes with the pattern as routing key and completes once the broker confirmed it', async () => {
    const sut = new AmqpClient(connection, `${namespace}.x`);
    await lastValueFrom(
      sut.emit('to-q', new AmqpRecord({ n: 1 }, { messageId: 'm-1', headers: { h: 'v' } })),
      {
        defaultValue: undefined,
      },
    );
    const msg = await connection.withChannel((ch) => ch.get(`${namespace}.q`, { noAck: true }));
    expect(msg && JSON.parse(msg.content.toString('utf8'))).toEqual({ n: 1 });
    expect(msg && msg.properties.messageId).toBe('m-1');
    expect(msg && msg.properties.headers?.h).toBe('v');
  });

  it('fails an unroutable mandatory publish, and accepts one that is not mandatory', async () => {
    const sut = new AmqpClient(connection, `${namespace}.x`);
    await expect(lastValueFrom(sut.emit('nowhere', { n: 2 }))).rejects.toBeInstanceOf(UnroutableMessageError);
    const relaxed = new AmqpClient(connection, `${namespace}.x`, { mandatory: false });
    await expect(lastValueFrom(relaxed.emit('nowhere', { n: 3 }))).resolves.toBeUndefined();
  });

  it('offers no request/response', async () => {
    const sut = new AmqpClient(connection, `${namespace}.x`);
    await expect(lastValueFrom(sut.send('to-q', { n: 4 }))).rejects.toThrow(
      /request\/response is not offered/,
    );
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}
