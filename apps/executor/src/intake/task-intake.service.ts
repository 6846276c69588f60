import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology, type TaskMessage } from '@koji-farm/contracts';
import { type KojiValue } from '@koji-farm/koji';
import {
  AMQP_TOPOLOGY,
  AmqpConnection,
  AmqpServer,
  type ConsumerHandle,
  declareControlExchange,
  declareEventsExchange,
  declareTaskExchanges,
  declareTaskQueue,
  type DecodedMessage,
  type Delivery,
  type InboundMessage,
  type InvokeHandler,
} from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { type TaskContext } from '../tasks/handler/task-context';
import { KojiMethods } from '../tasks/handler/koji-methods';
import { TaskRunner } from '../tasks/task-runner.service';
import { parseTaskMessage } from './parse-task-message';
import { IntakeStoppedError } from './intake-stopped.error';
import { IntakeHealth } from '../health/intake-health';
import { TaskAdmission } from './task-admission';
import { TaskPool } from './task-pool';

/**
 * Takes task messages off `koji.tasks.<arch>` for every configured arch (manual ack, at
 * most SLOTS running at once) and off `koji.tasks.orchestrate` (parent tasks, at most
 * ORCHESTRATION_SLOTS at once, no container) through the AMQP transport, which validates them and routes
 * each to the `@KojiMethod` handler of its method; an invalid message, or one for a
 * method this executor has no handler for, goes to the dead letters at once with the
 * reason. A routed task waits for a slot and runs through the TaskRunner. The consumers
 * hold no more messages than the slots, without cancelling a subscription that could
 * still receive (SlotGatedConsumption, ADR 0068, 0077).
 */
@Injectable()
export class TaskIntake {
  private readonly logger: LoggerLike;
  private readonly pools: TaskPool[];
  private stopping = false;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(AmqpServer) private readonly server: AmqpServer,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    @Inject(KojiMethods) private readonly methods: KojiMethods,
    @Inject(TaskRunner) private readonly runner: TaskRunner,
    @Inject(TaskAdmission) private readonly admission: TaskAdmission,
    @Inject(IntakeHealth) health: IntakeHealth,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'task-intake' });
    const onError = (err: unknown) =>
      this.logger.warn({ err }, 'could not change the task consumers; retrying');
    const subscribe = (pool: TaskPool, prefetch: number) => this.subscribe(pool, prefetch);
    this.pools = [
      new TaskPool(
        'container',
        config.arches.map((arch) => names.taskQueue(arch)),
        config.slots,
        subscribe,
        onError,
        // Container tasks need Podman and disk; parent tasks only wait on the hub.
        () => health.healthy,
      ),
    ];
    health.onChange(() => void this.pools[0].consumption.update());
    if (config.orchestrationSlots > 0) {
      this.pools.push(
        new TaskPool(
          'orchestration',
          [names.orchestrateQueue],
          config.orchestrationSlots,
          subscribe,
          onError,
        ),
      );
    }
  }

  /** Declares the topology this executor needs (again after every reconnection). */
  async declareTopology(): Promise<void> {
    const { names, config } = this;
    await this.connection.addTopology(async (channel) => {
      await declareTaskExchanges(channel, names);
      const queue = { deliveryLimit: config.deliveryLimit };
      for (const arch of config.arches)
        await declareTaskQueue(channel, names, names.taskQueue(arch), arch, queue);
      if (config.orchestrationSlots > 0)
        await declareTaskQueue(channel, names, names.orchestrateQueue, names.orchestrateRoutingKey, queue);
      await declareEventsExchange(channel, names);
      await declareControlExchange(channel, names);
    });
  }

  async start(): Promise<void> {
    for (const pool of this.pools) await pool.consumption.update();
    this.logger.info(
      {
        arches: this.config.arches,
        slots: this.config.slots,
        orchestrationSlots: this.config.orchestrationSlots,
        methods: this.methods.names,
      },
      'consuming tasks',
    );
  }

  /** Stops taking new messages; those waiting for a slot go back to their queue. Idempotent. */
  async stopConsuming(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const pool of this.pools) {
      await pool.consumption.close();
      pool.slots.refuseAll(new IntakeStoppedError('executor is shutting down'));
    }
  }

  /** One consumer per queue of the pool holding at most `limit` messages (0: channel open, not yet consuming); all or none. */
  private async subscribe(pool: TaskPool, limit: number): Promise<ConsumerHandle[]> {
    const consumers: ConsumerHandle[] = [];
    try {
      for (const queue of pool.queues) {
        consumers.push(
          await this.server.consume<TaskMessage>({
            queue,
            consume: { prefetch: limit },
            decode: (message) => this.decode(message),
            refuse: 'dead-letter',
            unhandled: (_pattern, task) =>
              `no handler for method ${task.method} on executor ${this.config.executorId} (it offers ${this.methods.names.join(', ')})`,
            deliver: (delivery, invoke) => this.deliver(pool, delivery, invoke),
          }),
        );
      }
    } catch (err) {
      await Promise.allSettled(consumers.map((c) => c.cancel()));
      throw err;
    }
    this.logger.debug({ pool: pool.kind, limit }, 'consuming the task queues');
    return consumers;
  }

  private decode(message: InboundMessage): DecodedMessage<TaskMessage> {
    const parsed = parseTaskMessage(message.content);
    if (parsed.ok) return { pattern: { method: parsed.message.method }, data: parsed.message };
    this.logger.warn({ queue: message.queue, taskId: parsed.taskId }, 'invalid task message');
    return { refused: parsed.reason };
  }

  /** Returns a delivery to its queue before it ran (it counts as a delivery), saying why. */
  private handBack(delivery: Delivery<TaskMessage>, why: string): void {
    const { message, data: task } = delivery;
    const returned = message.nack(true);
    this.logger.info(
      { taskId: task.taskId, queue: message.queue, deliveryCount: message.deliveryCount, returned },
      `handing the task message back to its queue unrun: ${why}`,
    );
  }

  /**
   * A task routed to its handler: admitted first (a redelivery of a task running here is
   * adopted by its attempt; the task's lease decides whether a new attempt starts, ADR
   * 0083), then waits for a slot of its pool, then runs.
   */
  private async deliver(
    pool: TaskPool,
    delivery: Delivery<TaskMessage>,
    invoke: InvokeHandler,
  ): Promise<void> {
    const { message, data: task } = delivery;
    if (this.stopping) {
      this.handBack(delivery, 'the executor is shutting down');
      return;
    }
    const admission = await this.admission.admit(task, message, () => this.stopping);
    if (admission.kind === 'handled') return;
    const { lease } = admission;
    try {
      await pool.slots.acquire();
    } catch (err) {
      await lease.end();
      this.handBack(delivery, err instanceof Error ? err.message : String(err));
      return;
    }
    void pool.consumption.update();
    try {
      const handler = (context: TaskContext) => invoke(context) as Promise<KojiValue>;
      await this.runner.run(task, message, handler, pool.kind, admission);
    } finally {
      pool.slots.release();
      void pool.consumption.update();
    }
  }
}
