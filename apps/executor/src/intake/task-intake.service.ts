import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology } from '@koji-farm/contracts';
import {
  AMQP_TOPOLOGY,
  AmqpConnection,
  type ConsumerHandle,
  deadLetter,
  declareControlExchange,
  declareEventsExchange,
  declareTaskExchanges,
  declareTaskQueue,
  type InboundMessage,
} from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { TaskHandlerRegistry } from '../tasks/handler/task-handler-registry';
import { SlotPool } from '../tasks/slot-pool';
import { TaskRunner } from '../tasks/task-runner.service';
import { IntakeStoppedError } from './intake-stopped.error';
import { parseTaskMessage } from './parse-task-message';
import { SlotGatedConsumption } from './slot-gated-consumption';

/**
 * Takes task messages off `koji.tasks.<arch>` for every configured arch (manual ack, at
 * most SLOTS running at once), validates them and hands valid ones to the TaskRunner. An
 * invalid message, or one for a method this executor has no handler for, goes to the dead
 * letters at once with the reason. The consumers' prefetch follows the free slots and they
 * pause while none is free, so that a busy executor leaves queued tasks to idle ones
 * (SlotGatedConsumption, ADR 0068).
 */
@Injectable()
export class TaskIntake {
  private readonly logger: LoggerLike;
  private readonly slots: SlotPool;
  private readonly consumption: SlotGatedConsumption;
  private stopping = false;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    @Inject(TaskHandlerRegistry) private readonly handlers: TaskHandlerRegistry,
    @Inject(TaskRunner) private readonly runner: TaskRunner,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'task-intake' });
    this.slots = new SlotPool(config.slots);
    this.consumption = new SlotGatedConsumption(
      () => this.slots.free,
      (prefetch) => this.subscribe(prefetch),
      (err) => this.logger.warn({ err }, 'could not change the task consumers; retrying'),
    );
  }

  /** Declares the topology this executor needs (again after every reconnection). */
  async declareTopology(): Promise<void> {
    const { names, config } = this;
    await this.connection.addTopology(async (channel) => {
      await declareTaskExchanges(channel, names);
      for (const arch of config.arches) {
        await declareTaskQueue(channel, names, names.taskQueue(arch), arch, {
          deliveryLimit: config.deliveryLimit,
        });
      }
      await declareEventsExchange(channel, names);
      await declareControlExchange(channel, names);
    });
  }

  async start(): Promise<void> {
    await this.consumption.update();
    this.logger.info(
      { arches: this.config.arches, slots: this.config.slots, methods: this.handlers.methods },
      'consuming tasks',
    );
  }

  /** Stops taking new messages; those waiting for a slot go back to their queue. Idempotent. */
  async stopConsuming(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.consumption.close();
    this.slots.refuseAll(new IntakeStoppedError('executor is shutting down'));
  }

  /** One consumer per arch queue with `prefetch` (0: channel open, not yet consuming); all or none. */
  private async subscribe(prefetch: number): Promise<ConsumerHandle[]> {
    const consumers: ConsumerHandle[] = [];
    try {
      for (const arch of this.config.arches) {
        const queue = this.names.taskQueue(arch);
        consumers.push(
          await this.connection.consume(queue, (message) => this.onMessage(message), { prefetch }),
        );
      }
    } catch (err) {
      await Promise.allSettled(consumers.map((c) => c.cancel()));
      throw err;
    }
    this.logger.debug({ prefetch }, 'consuming the arch queues');
    return consumers;
  }

  private async onMessage(message: InboundMessage): Promise<void> {
    const parsed = parseTaskMessage(message.content);
    if (!parsed.ok) {
      this.logger.warn(
        { queue: message.queue, taskId: parsed.taskId, reason: parsed.reason },
        'invalid task message; dead-lettering it',
      );
      await deadLetter(this.connection, this.names, message, parsed.reason);
      return;
    }
    const task = parsed.message;
    const handler = this.handlers.find(task.method);
    if (!handler) {
      const reason = `no handler for method ${task.method} on executor ${this.config.executorId} (it offers ${this.handlers.methods.join(', ')})`;
      this.logger.warn({ taskId: task.taskId, queue: message.queue }, reason);
      await deadLetter(this.connection, this.names, message, reason);
      return;
    }
    if (this.stopping) {
      message.nack(true);
      return;
    }
    try {
      await this.slots.acquire();
    } catch {
      message.nack(true);
      return;
    }
    void this.consumption.update();
    try {
      if (message.channelLost.aborted) {
        // It waited for a slot while its channel closed: the broker has it back already.
        this.logger.info(
          { taskId: task.taskId, queue: message.queue },
          'task message lost while waiting for a slot',
        );
        return;
      }
      await this.runner.run(task, message, handler);
    } finally {
      this.slots.release();
      void this.consumption.update();
    }
  }
}
