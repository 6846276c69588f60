import { setTimeout as delay } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import {
  AMQP_TOPOLOGY,
  AmqpConnection,
  AmqpServer,
  type AmqpTopology,
  type ConsumerHandle,
  declareEventsLog,
  type InboundMessage,
} from '@koji-farm/messaging';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config';
import { MonitorMetrics } from '../metrics/monitor-metrics';
import { RegistryWriter } from '../registry/registry-writer';
import { FoldPipeline } from './fold-pipeline';
import { FoldProgress } from './fold-progress';

const RETRY_MS = 1000;

/** The pattern of every message of `koji.events.log` (EventsLogController folds them all). */
export const EVENTS_LOG_PATTERN = 'koji.events.log';

/** What the transport hands EventsLogController with each message: the subscription it came from. */
export interface EventsLogDelivery {
  generation: number;
}

/**
 * Reads `koji.events.log` through the AMQP transport (EventsLogController gets each
 * message) and folds every event into the registry, in stream order.
 * Resumes after the registry's folded offset; when Redis lost the registry (or another
 * replica started a new generation of it) it reads the stream again from the start
 * (docs/adr/0042-monitor-stream-offsets.md).
 */
@Injectable()
export class EventsLogConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Bumped by a rebuild: messages of an older generation are dropped unfolded. */
  private generation = 0;
  /** Bumped by every (re)subscription, including AMQP reconnections. */
  private subscription = 0;
  private lastOffset = -1;
  private epoch = '';
  private consumer?: ConsumerHandle;
  private restarting?: Promise<void>;
  private checking = false;
  private watchdog?: NodeJS.Timeout;
  private stopping = false;
  private readonly stopSignal = new AbortController();
  private readonly pipeline: FoldPipeline;

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly server: AmqpServer,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    private readonly writer: RegistryWriter,
    private readonly metrics: MonitorMetrics,
    private readonly progress: FoldProgress,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(EventsLogConsumer.name);
    this.pipeline = new FoldPipeline({
      writer,
      metrics,
      progress,
      logger,
      currentEpoch: () => this.epoch,
      currentGeneration: () => this.generation,
      onRegistryChanged: (reason) => this.restart(reason),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.amqp.addTopology((channel) => declareEventsLog(channel, this.names, this.config.eventsLog));
    await this.subscribe();
    this.watchdog = setInterval(() => {
      this.checkRegistry().catch((err: unknown) => this.logger.error({ err }, 'registry check failed'));
    }, this.config.fold.registryCheckIntervalMs);
    this.watchdog.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopSignal.abort();
    clearInterval(this.watchdog);
    try {
      await this.consumer?.cancel();
    } catch (err) {
      this.logger.warn({ err }, 'cancelling the events log consumer failed');
    }
    try {
      await this.restarting;
    } catch (err) {
      this.logger.warn({ err }, 'a rebuild ended with an error');
    }
    await this.pipeline.stop();
  }

  private async subscribe(): Promise<void> {
    const generation = this.generation;
    const { epoch, created } = await this.writer.claimEpoch();
    this.epoch = epoch;
    this.progress.epoch = epoch;
    if (created)
      this.logger.info({ epoch }, 'no registry in Redis: building it from the start of the events stream');
    this.consumer = await this.server.consume<EventsLogDelivery>({
      queue: this.names.eventsLogQueue,
      // Not read here: the fold pipeline reads every message, valid event or not (its offset counts).
      decode: () => ({ pattern: EVENTS_LOG_PATTERN, data: { generation } }),
      refuse: 'drop',
      consume: {
        prefetch: this.config.fold.prefetch,
        beforeConsume: async () => {
          const folded = await this.writer.foldedOffset();
          this.subscription += 1;
          this.lastOffset = folded ?? -1;
          this.progress.subscribedFrom = folded === null ? 'first' : folded + 1;
          this.logger.info({ from: this.progress.subscribedFrom, epoch }, 'reading the events stream');
          return { 'x-stream-offset': folded === null ? 'first' : { '!': 'long', value: folded + 1 } };
        },
      },
    });
  }

  /**
   * Queues the message for the fold pipeline, which acknowledges it once folded; this
   * returns at once, so that nothing per message waits on a promise.
   */
  accept(message: InboundMessage, generation: number): void {
    if (generation !== this.generation || this.stopping) {
      message.ack();
      return;
    }
    const offset = message.streamOffset;
    const previousOffset = this.lastOffset;
    if (offset !== undefined) this.lastOffset = offset;
    this.pipeline.push({ message, generation, subscription: this.subscription, offset, previousOffset });
  }

  private async checkRegistry(): Promise<void> {
    if (this.stopping || this.restarting || this.checking) return;
    this.checking = true;
    try {
      const epoch = await this.writer.currentEpoch();
      if (epoch !== this.epoch) {
        await this.restart(
          epoch === null ? 'Redis lost the registry' : 'another replica started a new registry generation',
        );
      }
    } catch (err) {
      this.logger.debug({ err }, 'cannot check the registry generation (Redis unreachable?)');
    } finally {
      this.checking = false;
    }
  }

  private restart(reason: string): Promise<void> {
    this.restarting ??= this.resubscribe(reason).finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  private async resubscribe(reason: string): Promise<void> {
    this.metrics.rebuilds.inc();
    this.progress.rebuilds += 1;
    this.logger.warn({ reason }, 'the registry changed under this replica: reading the events stream again');
    this.generation += 1;
    const old = this.consumer;
    this.consumer = undefined;
    try {
      await old?.cancel();
    } catch (err) {
      this.logger.warn({ err }, 'cancelling the old events log consumer failed');
    }
    while (!this.stopping) {
      try {
        await this.subscribe();
        return;
      } catch (err) {
        this.logger.error({ err }, 'cannot subscribe to the events stream again; retrying');
        await delay(RETRY_MS, undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
      }
    }
  }
}
