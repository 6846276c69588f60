import { randomUUID } from 'node:crypto';
import {
  type AmqpTopology,
  executorHeartbeatEvent,
  executorStoppedEvent,
  type ExecutorHeartbeatEvent,
} from '@koji-farm/contracts';
import { type AmqpConnection, declareEventsExchange } from '@koji-farm/messaging';

export interface FakeExecutorOptions {
  executorId?: string;
  arches?: string[];
  methods?: string[];
  slots?: number;
  busy?: number;
  orchestrationSlots?: number;
  orchestrating?: number;
  /** How often it sends a heartbeat (the real executor: 5 s). */
  intervalMs?: number;
}

/**
 * Stands in for an executor towards the poller: publishes schema-valid
 * `executor.heartbeat` events on a timer, with slots and busy counts the test sets.
 */
export class FakeExecutor {
  readonly executorId: string;
  private state: Required<Omit<FakeExecutorOptions, 'executorId' | 'intervalMs'>>;
  private timer?: NodeJS.Timeout;
  private seq = 0;
  private readonly startedAt = new Date().toISOString();

  private constructor(
    private readonly amqp: AmqpConnection,
    private readonly names: AmqpTopology,
    private readonly options: FakeExecutorOptions,
  ) {
    this.executorId = options.executorId ?? `fake-${randomUUID().slice(0, 6)}`;
    this.state = {
      arches: options.arches ?? ['x86_64', 'noarch'],
      methods: options.methods ?? ['buildArch', 'build', 'sleep', 'rebuildSRPM'],
      slots: options.slots ?? 4,
      busy: options.busy ?? 0,
      orchestrationSlots: options.orchestrationSlots ?? 0,
      orchestrating: options.orchestrating ?? 0,
    };
  }

  static async start(amqp: AmqpConnection, names: AmqpTopology, options: FakeExecutorOptions = {}) {
    const executor = new FakeExecutor(amqp, names, options);
    await amqp.withChannel((channel) => declareEventsExchange(channel, names));
    await executor.beat();
    executor.timer = setInterval(
      () => void executor.beat().catch(() => undefined),
      options.intervalMs ?? 200,
    );
    return executor;
  }

  /** Changes what the next heartbeats say, and sends one at once. */
  async update(patch: Partial<FakeExecutor['state']>): Promise<void> {
    this.state = { ...this.state, ...patch };
    await this.beat();
  }

  /** Goes silent (as a killed executor would). */
  silence(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Says `executor.stopped` and goes silent (a clean executor shutdown). */
  async stop(): Promise<void> {
    this.silence();
    const event = executorStoppedEvent.parse({
      v: 1,
      id: randomUUID(),
      at: new Date().toISOString(),
      seq: ++this.seq,
      executorId: this.executorId,
      type: 'executor.stopped',
      reason: 'test',
    });
    await this.amqp.publish(this.names.eventsExchange, event.type, event, { mandatory: false });
  }

  private async beat(): Promise<void> {
    const event: ExecutorHeartbeatEvent = executorHeartbeatEvent.parse({
      v: 1,
      id: randomUUID(),
      at: new Date().toISOString(),
      seq: ++this.seq,
      executorId: this.executorId,
      type: 'executor.heartbeat',
      ...this.state,
      load: 0,
      version: 'test',
      startedAt: this.startedAt,
      hostname: 'test',
    });
    await this.amqp.publish(this.names.eventsExchange, event.type, event, { mandatory: false });
  }
}
