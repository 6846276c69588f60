import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { type AmqpTopology } from '@koji-farm/contracts';
import { type LoggerLike } from '@koji-farm/observability';
import { type AmqpConnection, type ConsumerHandle } from '../amqp-connection';
import { deadLetter } from '../dead-letter';
import { TransportNotConnectedError } from '../errors/transport-not-connected.error';
import { type InboundMessage } from '../inbound-message';
import { AmqpContext } from './amqp-context';
import { type AmqpSubscription, type DecodedMessage, type InvokeHandler } from './amqp-subscription';

/** The transport id of koji-farm's AMQP transport (`@MessagePattern(..., AMQP_TRANSPORT)` would pin a handler to it). */
export const AMQP_TRANSPORT = Symbol('koji-farm-amqp');

export type AmqpServerStatus = 'idle' | 'listening' | 'closed';

/**
 * Nest's microservices model over `AmqpConnection` (ADR 0069): handlers are controller
 * methods with `@MessagePattern`/`@EventPattern`, found by Nest's discovery and
 * registered here; the queues are consumed through `AmqpConnection`, so every broker
 * guarantee of libs/messaging stays (quorum queues, manual acks held as long as the work
 * takes, per-consumer prefetch changed on the same channel, stream offsets, dead letters
 * with a reason, reconnection).
 *
 * What to consume is not configured on the server: the app's services start and stop
 * subscriptions (`consume`) as their state asks (free slots, leadership, the monitor's
 * registry generation). Each subscription decodes its messages into a pattern and a
 * payload; the server routes them to the handler of that pattern. A message that cannot
 * be read or that no handler takes is dead-lettered with the reason, or acked and logged,
 * as the subscription says. The transport never acks for a handler.
 */
export class AmqpServer
  extends Server<Record<string, never>, AmqpServerStatus>
  implements CustomTransportStrategy
{
  override readonly transportId = AMQP_TRANSPORT;
  private readonly consumers = new Set<ConsumerHandle>();
  private readonly log: LoggerLike;
  private closed = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly names: AmqpTopology,
    logger: LoggerLike,
  ) {
    super();
    this.log = logger.child({ component: 'amqp-transport' });
    this._status$.next('idle');
  }

  /** Called by Nest once every handler is registered and the app's hooks ran. */
  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    this.closed = false;
    this._status$.next('listening');
    this.log.debug({ patterns: this.patterns() }, 'AMQP transport listening');
    callback();
  }

  /** Cancels every subscription still consuming (messages being handled may still be settled). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const consumers = [...this.consumers];
    this.consumers.clear();
    await Promise.allSettled(consumers.map((c) => c.cancel()));
    this._status$.next('closed');
  }

  on(): never {
    throw new Error('the AMQP transport emits no events; watch AmqpConnection instead');
  }

  unwrap<T>(): T {
    return this.connection as T;
  }

  /** The registered patterns (their string form) with the extras of their decorators. */
  patterns(): Array<{ pattern: string; extras: Readonly<Record<string, unknown>> }> {
    return [...this.messageHandlers.entries()].map(([pattern, handler]) => ({
      pattern,
      extras: handler.extras ?? {},
    }));
  }

  /**
   * Starts consuming `subscription.queue` and routing its messages to their handlers.
   * @throws TransportNotConnectedError when no handler was registered: the app was not
   *   connected to this transport (`connectAmqpTransport`), so every message would be refused.
   */
  async consume<T>(subscription: AmqpSubscription<T>): Promise<ConsumerHandle> {
    if (this.messageHandlers.size === 0) throw new TransportNotConnectedError(subscription.queue);
    const handle = await this.connection.consume(
      subscription.queue,
      (message) => this.onMessage(subscription, message),
      subscription.consume,
    );
    this.consumers.add(handle);
    return {
      queue: handle.queue,
      setPrefetch: (limit) => handle.setPrefetch(limit),
      held: () => handle.held(),
      cancel: async () => {
        this.consumers.delete(handle);
        await handle.cancel();
      },
    };
  }

  private async onMessage<T>(subscription: AmqpSubscription<T>, message: InboundMessage): Promise<void> {
    const decoded = this.decode(subscription, message);
    if ('refused' in decoded) return this.refuse(subscription, message, decoded.refused);
    const pattern = this.getPatternAsString(decoded.pattern);
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) {
      const reason = subscription.unhandled?.(pattern, decoded.data) ?? `no handler for pattern ${pattern}`;
      return this.refuse(subscription, message, reason);
    }
    const context = new AmqpContext([message, pattern]);
    const invoke: InvokeHandler = (payload) => this.invoke(handler, payload, context);
    const extras = handler.extras ?? {};
    if (subscription.deliver)
      await subscription.deliver({ message, data: decoded.data, pattern, extras }, invoke);
    else await invoke(decoded.data);
  }

  private decode<T>(subscription: AmqpSubscription<T>, message: InboundMessage): DecodedMessage<T> {
    try {
      return subscription.decode(message);
    } catch (err) {
      return { refused: `cannot read the message: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** Runs a handler (Nest's proxy: guards, interceptors, pipes, filters) and unwraps its result. */
  private async invoke(handler: MessageHandler, payload: unknown, context: AmqpContext): Promise<unknown> {
    const result: unknown = await handler(payload, context);
    return lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  private async refuse<T>(subscription: AmqpSubscription<T>, message: InboundMessage, reason: string) {
    if (subscription.refuse === 'dead-letter') {
      this.log.warn({ queue: message.queue, reason }, 'refused a message; dead-lettering it');
      await deadLetter(this.connection, this.names, message, reason);
      return;
    }
    this.log.warn({ queue: message.queue, routingKey: message.routingKey, reason }, 'dropped a message');
    message.ack();
  }
}
