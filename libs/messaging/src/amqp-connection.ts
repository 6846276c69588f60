import { setTimeout as delay } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import amqplib, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type Message,
  type Options,
} from 'amqplib';
import { type LoggerLike, silentLogger } from '@koji-farm/observability';
import {
  type AmqpConnectionOptions,
  DEFAULT_CONNECT_ATTEMPTS,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_PUBLISH_WAIT_MS,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TOPOLOGY_REFRESH_MS,
  redactAmqpUrl,
} from './amqp-options';
import { AmqpConnectError } from './errors/amqp-connect.error';
import { AmqpUnavailableError } from './errors/amqp-unavailable.error';
import { ChannelClosedError } from './errors/channel-closed.error';
import { ExchangeNotFoundError } from './errors/exchange-not-found.error';
import { PublishRejectedError } from './errors/publish-rejected.error';
import { UnroutableMessageError } from './errors/unroutable-message.error';
import { InboundMessage } from './inbound-message';

/** AMQP reply code 404 NOT_FOUND. */
const NOT_FOUND = 404;

/** Declares exchanges/queues; runs on every (re)connection before consumers start. */
export type TopologySetup = (channel: Channel) => Promise<void>;
export type MessageHandler = (message: InboundMessage) => Promise<void>;

export interface ConsumeOptions {
  prefetch: number;
  /** Consume arguments, e.g. `{'x-stream-offset': 'first'}` for a stream queue. */
  arguments?: Record<string, unknown>;
  exclusive?: boolean;
  /**
   * Called before each (re)subscription; may declare the queue (e.g. an exclusive
   * auto-delete queue, which dies with its connection) and return extra consume arguments
   * (a stream consumer resumes from the offset it stored).
   */
  beforeConsume?: (channel: Channel) => Promise<Record<string, unknown> | void>;
  /**
   * Declares the consumer's own queue and its bindings (idempotent), e.g. an exclusive
   * queue bound to an exchange. Runs before each (re)subscription, before beforeConsume,
   * and again whenever the connection declares its topology again because something was
   * deleted: an exchange deleted and declared again has lost the bindings to it.
   */
  declare?: (channel: Channel) => Promise<void>;
}

export interface PublishOptions extends Pick<
  Options.Publish,
  'headers' | 'priority' | 'expiration' | 'messageId'
> {
  /** Fail with UnroutableMessageError when no queue takes the message. Default true. */
  mandatory?: boolean;
}

export interface ConsumerHandle {
  readonly queue: string;
  /**
   * Sets the most unsettled messages the consumer may hold at once on its channel (0 =
   * paused). Raising adds a broker subscription for the difference on the same channel;
   * nothing is cancelled, so nothing the broker is sending is handed back. Lowering
   * cancels subscriptions that could still receive (logged: RabbitMQ 3.10's quorum
   * queues hand a message that was on its way back to the queue with its delivery
   * count raised). Messages delivered before stay with it and are settled as usual.
   * Kept across reconnections.
   */
  setPrefetch(limit: number): Promise<void>;
  /** Messages delivered on the consumer's current channel and not yet settled. */
  held(): number;
  /**
   * Stops delivering new messages; messages being handled may still be settled. The
   * consumer's channel closes once their handlers have returned.
   */
  cancel(): Promise<void>;
}

/** One broker subscription (consumer tag) of a consumer on its current channel. */
interface Subscription {
  tag?: string;
  prefetch: number;
  /** Delivered on it and not yet settled. */
  unsettled: number;
  /** False once cancelled (its unsettled messages are still settled on the channel). */
  live: boolean;
}

interface Consumer {
  queue: string;
  handler: MessageHandler;
  options: ConsumeOptions;
  /** The most unsettled messages it may hold at once (setPrefetch); 0 = paused. */
  limit: number;
  channel?: Channel;
  /** Aborts when `channel` closes; shared by every message delivered on it. */
  lost?: AbortSignal;
  /** Serializes subscription changes (setPrefetch). */
  changing: Promise<void>;
  channelOpen: boolean;
  /** Set while a channel is being opened for it, so that concurrent starts share one. */
  starting?: Promise<void>;
  /** Its subscriptions on `channel` (replaced with the channel). */
  subscriptions: Set<Subscription>;
  cancelled: boolean;
  inFlight: Set<Promise<void>>;
}

/**
 * The one adapter between koji-farm and RabbitMQ. Publishes through a confirm channel
 * (a publish resolves only once the broker has the message), consumes with manual acks on
 * one channel per consumer (so prefetch applies per consumer), and reconnects after a lost
 * connection: topology and consumers are set up again, unacked messages come back.
 *
 * At boot a bounded number of attempts makes a wrong URL fail fast (AmqpConnectError).
 */
export class AmqpConnection {
  private model?: ChannelModel;
  private publishChannel?: ConfirmChannel;
  private readonly topology: TopologySetup[] = [];
  private readonly consumers = new Set<Consumer>();
  private readonly returned = new Set<string>();
  /** Rejecters of publishes awaiting their confirm, per confirm channel (one close listener each). */
  private readonly unconfirmed = new WeakMap<ConfirmChannel, Set<(err: Error) => void>>();
  /** Publish channels the broker closed with 404 (a publish to a missing exchange). */
  private readonly closedByNotFound = new WeakSet<ConfirmChannel>();
  private openWaiters: Array<() => void> = [];
  private state: 'connecting' | 'open' | 'reconnecting' | 'closed' = 'connecting';
  private reconnecting?: Promise<void>;
  /** Declares the topology again every topologyRefreshMs (see startTopologyRefresh). */
  private topologyRefresh?: NodeJS.Timeout;
  /** The second round of a topology declaration after a 404 (see redeclareTopology). */
  private redeclareFollowUp?: NodeJS.Timeout;
  /** Set while a publish channel the broker closed is being replaced. */
  private reopeningPublish?: Promise<void>;
  private readonly logger: LoggerLike;

  private constructor(
    private readonly options: AmqpConnectionOptions,
    logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'amqp', connection: options.connectionName });
  }

  static async connect(
    options: AmqpConnectionOptions,
    logger: LoggerLike = silentLogger,
  ): Promise<AmqpConnection> {
    const connection = new AmqpConnection(options, logger);
    await connection.open(options.connectAttempts ?? DEFAULT_CONNECT_ATTEMPTS);
    return connection;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * Registers a topology declaration. It runs now and after every reconnection, before
   * consumers are restarted.
   */
  async addTopology(setup: TopologySetup): Promise<void> {
    this.topology.push(setup);
    await this.withChannel(setup);
  }

  /** Runs `work` on a short-lived channel (declarations, checks, purges in tests). */
  async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const model = await this.openModel();
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => this.logger.debug({ err }, 'temporary channel error'));
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * Publishes JSON (or raw bytes) and resolves when the broker confirmed it.
   * @throws UnroutableMessageError when `mandatory` (the default) and no queue took it.
   * @throws PublishRejectedError on a broker nack; ExchangeNotFoundError when the exchange
   *   does not exist (the topology is then declared again); AmqpUnavailableError when the connection
   *   was lost before the confirm (the message may or may not have been taken).
   */
  async publish(
    exchange: string,
    routingKey: string,
    body: unknown,
    options: PublishOptions = {},
  ): Promise<void> {
    const channel = await this.waitForPublishChannel();
    const messageId = options.messageId ?? randomUUID();
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const mandatory = options.mandatory ?? true;
    await new Promise<void>((resolve, reject) => {
      const pending = this.pendingPublishes(channel);
      pending.add(reject);
      channel.publish(
        exchange,
        routingKey,
        content,
        {
          persistent: true,
          contentType: Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
          ...options,
          messageId,
          mandatory,
        },
        (err: unknown) => {
          pending.delete(reject);
          const wasReturned = this.returned.delete(messageId);
          if (err && this.closedByNotFound.has(channel))
            reject(new ExchangeNotFoundError(exchange, routingKey));
          else if (err) reject(new PublishRejectedError(exchange, routingKey));
          else if (wasReturned) reject(new UnroutableMessageError(exchange, routingKey));
          else resolve();
        },
      );
    });
  }

  private pendingPublishes(channel: ConfirmChannel): Set<(err: Error) => void> {
    let pending = this.unconfirmed.get(channel);
    if (!pending) {
      const set = new Set<(err: Error) => void>();
      channel.once('close', () => {
        const error = new AmqpUnavailableError('AMQP channel closed before the broker confirmed a publish');
        for (const reject of set) reject(error);
        set.clear();
      });
      this.unconfirmed.set(channel, set);
      pending = set;
    }
    return pending;
  }

  /** Consumes a queue with manual acks. The handler settles each message itself. */
  async consume(queue: string, handler: MessageHandler, options: ConsumeOptions): Promise<ConsumerHandle> {
    const consumer: Consumer = {
      queue,
      handler,
      options,
      limit: options.prefetch,
      changing: Promise.resolve(),
      subscriptions: new Set(),
      cancelled: false,
      channelOpen: false,
      inFlight: new Set(),
    };
    this.consumers.add(consumer);
    try {
      await this.startConsumer(consumer);
    } catch (err) {
      // The caller gets no handle to cancel it with: it must not come back on a reconnection.
      consumer.cancelled = true;
      this.consumers.delete(consumer);
      if (consumer.channel) await consumer.channel.close().catch(() => undefined);
      throw err;
    }
    return {
      queue,
      setPrefetch: (limit: number) => {
        const change = consumer.changing.then(() => this.changeLimit(consumer, limit));
        consumer.changing = change.catch(() => undefined);
        return change;
      },
      held: () => heldBy(consumer),
      cancel: async () => {
        if (consumer.cancelled) return;
        consumer.cancelled = true;
        this.consumers.delete(consumer);
        // A channel being opened for it (a reconnection) or a subscription being changed
        // must be there to be cancelled.
        await consumer.starting?.catch(() => undefined);
        await consumer.changing;
        const channel = consumer.channel;
        if (channel) {
          let unusedCredit = 0;
          for (const sub of consumer.subscriptions) {
            if (!sub.live || !sub.tag) continue;
            sub.live = false;
            unusedCredit += Math.max(0, sub.prefetch - sub.unsettled);
            await channel.cancel(sub.tag).catch(() => undefined);
          }
          if (unusedCredit > 0 && consumer.channelOpen)
            this.logger.info(
              { queue: consumer.queue, unusedCredit },
              'cancelled a consumer that could still receive; a message the broker was sending it goes back to the queue (a quorum queue counts it as a delivery)',
            );
          void this.retireChannel(consumer, channel);
        }
      },
    };
  }

  /**
   * Closes a cancelled consumer's channel once the handlers of the messages it delivered
   * have returned (they settle on it); a consumer started and stopped many times (a
   * poller's leadership) would otherwise leave a channel open each time. Never rejects.
   */
  private async retireChannel(consumer: Consumer, channel: Channel): Promise<void> {
    await Promise.allSettled([...consumer.inFlight]);
    if (consumer.channel !== channel) return;
    consumer.channelOpen = false;
    await channel.close().catch(() => undefined);
  }

  /** Resolves when every handler that is running now has returned. */
  async drain(): Promise<void> {
    const running = [...this.consumers].flatMap((c) => [...c.inFlight]);
    await Promise.allSettled(running);
  }

  /** Closes channels and the connection. Idempotent; unacked messages return to their queues. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.redeclareFollowUp);
    clearInterval(this.topologyRefresh);
    this.releaseWaiters();
    for (const consumer of this.consumers) consumer.cancelled = true;
    this.consumers.clear();
    try {
      await this.model?.close();
    } catch (err) {
      this.logger.debug({ err }, 'error while closing the AMQP connection');
    }
  }

  private async open(attempts: number): Promise<void> {
    const url = redactAmqpUrl(this.options.url);
    const retryDelay = this.options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.state === 'closed') throw new AmqpUnavailableError('AMQP connection closed');
      try {
        await this.establish();
        return;
      } catch (err) {
        lastError = err;
        this.logger.warn({ err: errorSummary(err), attempt, attempts, url }, 'cannot connect to RabbitMQ');
        if (attempt < attempts) await delay(retryDelay);
      }
    }
    throw new AmqpConnectError(url, attempts, { cause: lastError });
  }

  private async establish(): Promise<void> {
    const model = await amqplib.connect(this.options.url, {
      clientProperties: { connection_name: this.options.connectionName },
      heartbeat: this.options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    } as Options.Connect);
    model.on('error', (err: Error) => this.logger.warn({ err: errorSummary(err) }, 'AMQP connection error'));
    model.on('close', () => this.onConnectionLost(model));
    try {
      const publishChannel = await this.openPublishChannel(model);
      this.model = model;
      this.publishChannel = publishChannel;
      for (const setup of this.topology) await this.withChannel(setup);
      // A consumer already being started waits for this connection to open: awaiting it
      // here would wait for ourselves. It carries on once the connection is open.
      for (const consumer of this.consumers) if (!consumer.starting) await this.startConsumer(consumer);
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
    this.state = 'open';
    this.startTopologyRefresh();
    this.releaseWaiters();
    this.logger.info({ url: redactAmqpUrl(this.options.url) }, 'connected to RabbitMQ');
  }

  /**
   * The confirm channel publishes go through. The broker closes it when a publish names an
   * exchange that does not exist (404, someone deleted it): then, the connection still
   * being up, a new one replaces it after the registered topology was declared again.
   */
  private async openPublishChannel(model: ChannelModel): Promise<ConfirmChannel> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: Error) => {
      if (isNotFound(err)) this.closedByNotFound.add(channel);
      this.logger.warn({ err: errorSummary(err) }, 'AMQP publish channel error');
    });
    channel.on('return', (msg: Message) => {
      if (msg.properties.messageId) this.returned.add(String(msg.properties.messageId));
    });
    channel.on('close', () => {
      if (this.publishChannel !== channel || this.model !== model || this.state !== 'open') return;
      this.publishChannel = undefined;
      this.reopeningPublish = this.replacePublishChannel(model, this.closedByNotFound.has(channel)).finally(
        () => (this.reopeningPublish = undefined),
      );
    });
    return channel;
  }

  private async replacePublishChannel(model: ChannelModel, notFound: boolean): Promise<void> {
    try {
      if (notFound) await this.redeclareTopology('an exchange published to');
      const channel = await this.openPublishChannel(model);
      if (this.model === model && this.state === 'open') this.publishChannel = channel;
      else await channel.close().catch(() => undefined);
    } catch (err) {
      // The connection is going down with it: the reconnection opens a new one.
      this.logger.debug({ err: errorSummary(err) }, 'cannot replace the publish channel');
    }
  }

  private onConnectionLost(model: ChannelModel): void {
    if (this.model !== model || this.state === 'closed') return;
    this.model = undefined;
    this.publishChannel = undefined;
    this.state = 'reconnecting';
    this.logger.warn('lost the RabbitMQ connection; reconnecting');
    this.reconnecting ??= this.reconnectLoop().finally(() => (this.reconnecting = undefined));
  }

  private async reconnectLoop(): Promise<void> {
    const retryDelay = this.options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    while (this.state === 'reconnecting') {
      try {
        await this.establish();
        return;
      } catch (err) {
        this.logger.warn({ err: errorSummary(err) }, 'reconnection to RabbitMQ failed; retrying');
        await delay(retryDelay);
      }
    }
  }

  private startConsumer(consumer: Consumer): Promise<void> {
    // A reconnection and a first subscription may race: one live channel per consumer.
    if (consumer.cancelled || consumer.channelOpen) return Promise.resolve();
    consumer.starting ??= this.openConsumerChannel(consumer).finally(() => {
      consumer.starting = undefined;
    });
    return consumer.starting;
  }

  /**
   * Brings the consumer's subscriptions on its channel in line with `limit`, the most
   * unsettled messages it may hold. Raising adds a subscription for the difference:
   * cancelling one that can still receive is what must be avoided, because a quorum
   * queue on RabbitMQ 3.10 hands the message it was sending to a cancelled consumer back
   * with `x-delivery-count` raised, a delivery nobody saw (issue 17.4). Keeping the
   * channel matters too: a second consumer on another channel of this connection would,
   * when the connection drops, be offered the first one's returned messages on its way
   * down, and a quorum queue counts that as one more delivery.
   */
  private async changeLimit(consumer: Consumer, limit: number): Promise<void> {
    await consumer.starting?.catch(() => undefined);
    if (consumer.cancelled) return;
    // Rebalanced even when the limit is unchanged: messages of a cancelled subscription
    // that were settled since leave room that only a new subscription can use.
    consumer.limit = limit;
    const { channel, lost } = consumer;
    // Not open: the next (re)start subscribes with the new limit.
    if (!channel || !lost || !consumer.channelOpen) return;
    await this.rebalance(consumer, channel, lost);
  }

  private async rebalance(consumer: Consumer, channel: Channel, lost: AbortSignal): Promise<void> {
    const limit = consumer.limit;
    const credit = (sub: Subscription) => Math.max(0, sub.prefetch - sub.unsettled);
    // A live subscription may come to hold its prefetch; a cancelled one holds what it has.
    let capacity = 0;
    for (const sub of consumer.subscriptions)
      capacity += sub.live ? Math.max(sub.prefetch, sub.unsettled) : sub.unsettled;
    const live = [...consumer.subscriptions].filter((sub) => sub.live).sort((a, b) => credit(b) - credit(a));
    for (const sub of live) {
      // Paused: nothing more at all, not even once what it holds is settled.
      if (limit > 0 && (capacity <= limit || credit(sub) === 0)) break;
      capacity -= credit(sub);
      sub.live = false;
      if (sub.tag) await channel.cancel(sub.tag);
      if (credit(sub) > 0) {
        this.logger.info(
          { queue: consumer.queue, unusedCredit: credit(sub), limit },
          'cancelled a subscription that could still receive; a message the broker was sending it goes back to the queue with its delivery count raised',
        );
      }
      if (sub.unsettled === 0) consumer.subscriptions.delete(sub);
    }
    if (limit > capacity && !consumer.cancelled)
      await this.subscribe(consumer, channel, lost, limit - capacity);
  }

  private async openConsumerChannel(consumer: Consumer): Promise<void> {
    const model = await this.openModel();
    const channel = await model.createChannel();
    consumer.channel = channel;
    consumer.channelOpen = true;
    consumer.subscriptions = new Set();
    // One signal per channel, shared by every message delivered on it (up to prefetch
    // listeners at once, hence no listener limit).
    const lost = new AbortController();
    setMaxListeners(0, lost.signal);
    consumer.lost = lost.signal;
    let established = false;
    channel.on('close', () => {
      const wasOpen = consumer.channel === channel && consumer.channelOpen;
      if (consumer.channel === channel) consumer.channelOpen = false;
      lost.abort(new ChannelClosedError(consumer.queue));
      if (wasOpen && established) this.afterChannelClosed(consumer, channel, model);
    });
    channel.on('error', (err: Error) =>
      this.logger.warn({ err: errorSummary(err), queue: consumer.queue }, 'AMQP consumer channel error'),
    );
    if (consumer.limit > 0) await this.subscribe(consumer, channel, lost.signal, consumer.limit);
    established = true;
  }

  /**
   * A consumer's channel closed while its connection stays up (the broker closed it for a
   * channel-level error: an unknown delivery tag, a 404, ...): nothing else would open it
   * again, and the consumer would take no message until the next reconnection. Checked a
   * turn later, so that a connection going down is left to the reconnection.
   */
  private afterChannelClosed(consumer: Consumer, channel: Channel, model: ChannelModel): void {
    setImmediate(() => {
      if (consumer.cancelled || consumer.channel !== channel || consumer.channelOpen) return;
      if (this.state !== 'open' || this.model !== model) return;
      this.logger.warn(
        { queue: consumer.queue },
        'a consumer channel closed under a live connection; consuming again',
      );
      void this.resubscribe(consumer, channel);
    });
  }

  /** Adds a subscription of `prefetch` on the consumer's channel. */
  private async subscribe(
    consumer: Consumer,
    channel: Channel,
    lost: AbortSignal,
    prefetch: number,
  ): Promise<void> {
    // Registered before consume: deliveries may reach the callback before consume resolves.
    const sub: Subscription = { prefetch, unsettled: 0, live: true };
    const subscriptions = consumer.subscriptions;
    subscriptions.add(sub);
    const settled = () => {
      sub.unsettled--;
      if (!sub.live && sub.unsettled <= 0) subscriptions.delete(sub);
    };
    try {
      await channel.prefetch(prefetch);
      await consumer.options.declare?.(channel);
      const extraArguments = (await consumer.options.beforeConsume?.(channel)) ?? {};
      sub.tag = await this.consumeOn(consumer, channel, lost, sub, settled, extraArguments);
    } catch (err) {
      subscriptions.delete(sub);
      throw err;
    }
  }

  private async consumeOn(
    consumer: Consumer,
    channel: Channel,
    lost: AbortSignal,
    sub: Subscription,
    settled: () => void,
    extraArguments: Record<string, unknown>,
  ): Promise<string> {
    const reply = await channel.consume(
      consumer.queue,
      (raw) => {
        if (raw === null) {
          // The broker cancelled us (queue deleted, node going down): subscribe again.
          this.logger.warn({ queue: consumer.queue }, 'broker cancelled the consumer; resubscribing');
          void this.resubscribe(consumer, channel);
          return;
        }
        sub.unsettled++;
        const message = new InboundMessage(
          channel,
          raw,
          () => consumer.channel === channel && consumer.channelOpen,
          consumer.queue,
          lost,
          settled,
        );
        const run = this.runHandler(consumer, message);
        consumer.inFlight.add(run);
        void run.finally(() => consumer.inFlight.delete(run));
      },
      {
        noAck: false,
        exclusive: consumer.options.exclusive ?? false,
        arguments: { ...consumer.options.arguments, ...extraArguments },
      },
    );
    return reply.consumerTag;
  }

  private async runHandler(consumer: Consumer, message: InboundMessage): Promise<void> {
    try {
      await consumer.handler(message);
    } catch (err) {
      // A handler must settle its own messages; one that throws gets its message back on
      // the queue rather than losing it.
      this.logger.error({ err, queue: consumer.queue }, 'message handler failed; requeueing the message');
      message.nack(true);
    }
  }

  /**
   * Subscribes again after the broker cancelled the consumer. When the queue is gone
   * (404 NOT_FOUND: someone deleted it), the registered topology is declared again first,
   * so a deleted queue comes back with its bindings and the consumer with it.
   */
  private async resubscribe(consumer: Consumer, channel: Channel): Promise<void> {
    consumer.channelOpen = false;
    await channel.close().catch(() => undefined);
    const retryDelay = this.options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    let redeclared = false;
    while (!consumer.cancelled && this.state !== 'closed') {
      try {
        await this.startConsumer(consumer);
        if (redeclared)
          this.logger.info({ queue: consumer.queue }, 'consumer resubscribed to its re-declared queue');
        return;
      } catch (err) {
        if (isNotFound(err) && (await this.redeclareTopology(consumer.queue)) && !redeclared) {
          // Straight on: the queue exists again.
          redeclared = true;
          continue;
        }
        this.logger.warn({ err: errorSummary(err), queue: consumer.queue }, 'cannot resubscribe; retrying');
        await delay(retryDelay);
      }
    }
  }

  /**
   * Declares the topology and consumers' bindings again every `topologyRefreshMs`: an
   * exchange deleted and declared again by someone else loses this process's bindings
   * without any 404 here (the poller would stop hearing executors' heartbeats).
   */
  private startTopologyRefresh(): void {
    const every = this.options.topologyRefreshMs ?? DEFAULT_TOPOLOGY_REFRESH_MS;
    if (this.topologyRefresh || every <= 0) return;
    let running = false;
    this.topologyRefresh = setInterval(() => {
      if (running || this.state !== 'open') return;
      running = true;
      void this.declareEverything()
        .catch((err: unknown) => this.logger.debug({ err: errorSummary(err) }, 'topology refresh failed'))
        .finally(() => (running = false));
    }, every);
    this.topologyRefresh.unref();
  }

  private async declareEverything(): Promise<void> {
    for (const setup of this.topology) await this.withChannel(setup);
    for (const consumer of this.consumers) {
      const declare = consumer.options.declare;
      if (declare && !consumer.cancelled) await this.withChannel(declare);
    }
  }

  /**
   * Runs every registered topology declaration again, and the `declare` of every live
   * consumer (its bindings); false when one failed. Whoever deleted something may still
   * be deleting (a farm's clean-up removes queues, then exchanges): one more round runs a
   * retry delay later, so a deletion that came after this round is healed too.
   */
  private async redeclareTopology(why: string, followUp = true): Promise<boolean> {
    this.logger.warn(
      { missing: why },
      'queue or exchange not found (deleted?); declaring the topology again',
    );
    if (followUp && !this.redeclareFollowUp) {
      const retryDelay = this.options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
      this.redeclareFollowUp = setTimeout(() => {
        this.redeclareFollowUp = undefined;
        if (this.state === 'open') void this.redeclareTopology('(a second round)', false);
      }, retryDelay);
      this.redeclareFollowUp.unref();
    }
    try {
      await this.declareEverything();
      return true;
    } catch (err) {
      this.logger.warn({ err: errorSummary(err) }, 'declaring the topology again failed');
      return false;
    }
  }

  private async openModel(): Promise<ChannelModel> {
    if (this.model) return this.model;
    await this.waitForOpen(this.options.publishWaitMs ?? DEFAULT_PUBLISH_WAIT_MS);
    if (!this.model) throw new AmqpUnavailableError('AMQP connection is closed');
    return this.model;
  }

  private async waitForPublishChannel(): Promise<ConfirmChannel> {
    if (this.publishChannel) return this.publishChannel;
    await this.reopeningPublish;
    if (this.publishChannel) return this.publishChannel;
    await this.waitForOpen(this.options.publishWaitMs ?? DEFAULT_PUBLISH_WAIT_MS);
    if (!this.publishChannel) throw new AmqpUnavailableError('AMQP connection is closed');
    return this.publishChannel;
  }

  private async waitForOpen(timeoutMs: number): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closed') throw new AmqpUnavailableError('AMQP connection is closed');
    const abort = new AbortController();
    const opened = new Promise<void>((resolve) => this.openWaiters.push(resolve));
    const timedOut = delay(timeoutMs, undefined, { signal: abort.signal }).then(() => {
      throw new AmqpUnavailableError(`RabbitMQ unreachable for ${timeoutMs} ms`);
    });
    try {
      await Promise.race([opened, timedOut]);
    } finally {
      abort.abort();
      timedOut.catch(() => undefined);
    }
  }

  private releaseWaiters(): void {
    const waiters = this.openWaiters;
    this.openWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Messages delivered on the consumer's current channel and not yet settled. */
function heldBy(consumer: Consumer): number {
  let held = 0;
  for (const sub of consumer.subscriptions) held += sub.unsettled;
  return held;
}

/** The broker's 404 NOT_FOUND (a queue or exchange that does not exist), as amqplib reports it. */
function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === NOT_FOUND;
}

function errorSummary(err: unknown): { message: string; code?: unknown } {
  if (err instanceof Error) return { message: err.message, code: (err as { code?: unknown }).code };
  return { message: String(err) };
}
