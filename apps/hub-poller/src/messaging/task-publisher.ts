import { Inject, Injectable } from '@nestjs/common';
import {
  type AmqpTopology,
  type CancelMessage,
  HEADERS,
  cancelMessageSchema,
  isOrchestrationMethod,
  type TaskMessage,
} from '@koji-farm/contracts';
import {
  AMQP_TOPOLOGY,
  AmqpConnection,
  DEFAULT_DELIVERY_LIMIT,
  declareControlExchange,
  declareEventsExchange,
  declareTaskExchanges,
  declareTaskQueue,
  type TopologySetup,
} from '@koji-farm/messaging';

type Channel = Parameters<TopologySetup>[0];

export interface TaskRoute {
  routingKey: string;
  queue: string;
  orchestration: boolean;
}

/**
 * Puts task messages on `koji.tasks` and cancel messages on `koji.control`, each
 * confirmed by the broker. A task queue is declared (with the executors' arguments,
 * from libs/messaging) before the first message for it, and again after a reconnection.
 */
@Injectable()
export class TaskPublisher {
  /** `x-delivery-limit` of the task queues this poller declares (executors must agree). */
  readonly deliveryLimit = DEFAULT_DELIVERY_LIMIT;
  private readonly declared = new Set<string>();
  private started = false;

  constructor(
    private readonly amqp: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
  ) {}

  /** Exchanges, dead-letter queues and the orchestration queue. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.amqp.addTopology(async (channel) => {
      await declareTaskExchanges(channel, this.names);
      await declareControlExchange(channel, this.names);
      await declareEventsExchange(channel, this.names);
    });
    this.started = true;
    await this.ensureQueue(this.route('build', 'noarch'));
  }

  route(method: string, arch: string): TaskRoute {
    const orchestration = isOrchestrationMethod(method);
    return orchestration
      ? { routingKey: this.names.orchestrateRoutingKey, queue: this.names.orchestrateQueue, orchestration }
      : { routingKey: arch, queue: this.names.taskQueue(arch), orchestration };
  }

  /**
   * Resolves once the broker holds the message.
   * @throws UnroutableMessageError, PublishRejectedError, AmqpUnavailableError (libs/messaging)
   */
  async publishTask(message: TaskMessage, generation: number): Promise<TaskRoute> {
    const route = this.route(message.method, message.arch);
    await this.ensureQueue(route);
    await this.amqp.publish(this.names.tasksExchange, route.routingKey, message, {
      messageId: `task-${message.taskId}-g${generation}`,
      headers: { [HEADERS.generation]: generation },
    });
    return route;
  }

  /** Fanout to every executor; nobody listening is fine. */
  async publishCancel(taskId: number, reason: string): Promise<void> {
    const message: CancelMessage = cancelMessageSchema.parse({ v: 1, type: 'cancel', taskId, reason });
    await this.amqp.publish(this.names.controlExchange, '', message, {
      mandatory: false,
      messageId: `cancel-${taskId}`,
    });
  }

  /** Declares a queue again (after an unroutable publish: someone deleted it). */
  async redeclare(route: TaskRoute): Promise<void> {
    await this.amqp.withChannel((channel) => this.declare(channel, route));
  }

  private async ensureQueue(route: TaskRoute): Promise<void> {
    if (this.declared.has(route.queue)) return;
    // Registered once: the connection declares it again after every reconnection.
    await this.amqp.addTopology((channel) => this.declare(channel, route));
    this.declared.add(route.queue);
  }

  private declare(channel: Channel, route: TaskRoute): Promise<void> {
    return declareTaskQueue(channel, this.names, route.queue, route.routingKey, {
      deliveryLimit: this.deliveryLimit,
    });
  }
}
