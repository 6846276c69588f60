import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology, controlMessageSchema } from '@koji-farm/contracts';
import {
  AMQP_TOPOLOGY,
  AmqpConnection,
  type ConsumerHandle,
  type InboundMessage,
} from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { RunningTasks } from '../tasks/running-tasks';

/**
 * Listens on `koji.control` through its own exclusive, auto-delete queue (each executor
 * gets every control message) and cancels the named task if it runs here. Control
 * messages are acked in every case: a bad one is logged and dropped (nobody could fix it
 * by retrying).
 */
@Injectable()
export class ControlConsumer {
  private readonly logger: LoggerLike;
  private consumer?: ConsumerHandle;
  /** Unique per process: the queue dies with its connection, a restart gets a new one. */
  readonly queue: string;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    @Inject(RunningTasks) private readonly running: RunningTasks,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'control' });
    this.queue = `${names.controlExchange}.${config.executorId}.${randomUUID().slice(0, 8)}`;
  }

  async start(): Promise<void> {
    this.consumer = await this.connection.consume(this.queue, (message) => this.onMessage(message), {
      prefetch: 10,
      exclusive: true,
      beforeConsume: async (channel) => {
        await channel.assertExchange(this.names.controlExchange, 'fanout', { durable: true });
        await channel.assertQueue(this.queue, { exclusive: true, autoDelete: true, durable: false });
        await channel.bindQueue(this.queue, this.names.controlExchange, '');
      },
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.cancel();
  }

  private onMessage(message: InboundMessage): Promise<void> {
    let data: unknown;
    try {
      data = JSON.parse(message.content.toString('utf8'));
    } catch {
      data = undefined;
    }
    const parsed = controlMessageSchema.safeParse(data);
    if (!parsed.success) {
      this.logger.warn(
        { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
        'invalid control message dropped',
      );
      message.ack();
      return Promise.resolve();
    }
    const { taskId, reason } = parsed.data;
    const wasRunning = this.running.cancel(taskId, reason);
    this.logger.info({ taskId, reason, wasRunning, executorId: this.config.executorId }, 'cancel received');
    message.ack();
    return Promise.resolve();
  }
}
