import {
  farmEventSchema,
  type AmqpTopology,
  type FarmEvent,
  type TaskScopedEvent,
} from '@koji-farm/contracts';
import { type AmqpConnection, type ConsumerHandle } from '@koji-farm/messaging';

/**
 * Records every event published to a test namespace's `koji.events` (its own exclusive
 * queue bound to `#`), each checked against the public contract, and lets a test wait
 * for one.
 */
export class EventRecorder {
  readonly events: FarmEvent[] = [];
  /** Raw bodies as published, for looking for secrets. */
  readonly raw: string[] = [];
  private waiters: Array<() => void> = [];
  private consumer?: ConsumerHandle;

  private constructor(
    private readonly connection: AmqpConnection,
    readonly queue: string,
  ) {}

  static async start(connection: AmqpConnection, names: AmqpTopology): Promise<EventRecorder> {
    const queue = `${names.eventsExchange}.recorder`;
    const recorder = new EventRecorder(connection, queue);
    recorder.consumer = await connection.consume(
      queue,
      async (message) => {
        const text = message.content.toString('utf8');
        recorder.raw.push(text);
        recorder.events.push(farmEventSchema.parse(JSON.parse(text)));
        message.ack();
        for (const wake of recorder.waiters.splice(0)) wake();
        return Promise.resolve();
      },
      {
        prefetch: 500,
        beforeConsume: async (channel) => {
          await channel.assertExchange(names.eventsExchange, 'topic', { durable: true });
          await channel.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
          await channel.bindQueue(queue, names.eventsExchange, '#');
        },
      },
    );
    return recorder;
  }

  /** Task events of one task (all attempts), in arrival order. */
  ofTask(taskId: number, attempt?: number): TaskScopedEvent[] {
    return this.events.filter(
      (e): e is TaskScopedEvent =>
        'taskId' in e &&
        'attempt' in e &&
        e.taskId === taskId &&
        (attempt === undefined || e.attempt === attempt),
    );
  }

  /** Resolves with the first event (seen or coming) that matches; rejects after `timeoutMs`. */
  async waitFor<E extends FarmEvent = FarmEvent>(
    match: (event: FarmEvent) => boolean,
    timeoutMs = 60_000,
    what = 'an event',
  ): Promise<E> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found as E;
      const left = deadline - Date.now();
      if (left <= 0) {
        // Heartbeats would fill the list: the task events are what tells why it timed out.
        const seen = this.events
          .filter((e) => !e.type.endsWith('.heartbeat'))
          .map((e) => ('name' in e ? `${e.type}(${e.name})` : e.type))
          .slice(-30);
        throw new Error(
          `Timed out after ${timeoutMs} ms waiting for ${what}; last events: ${seen.join(', ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `task.finished` of the task (any attempt, or the given one). */
  finished(taskId: number, timeoutMs = 120_000, attempt?: number) {
    return this.waitFor<Extract<FarmEvent, { type: 'task.finished' }>>(
      (e) =>
        e.type === 'task.finished' && e.taskId === taskId && (attempt === undefined || e.attempt === attempt),
      timeoutMs,
      `task.finished of task ${taskId}`,
    );
  }

  async stop(): Promise<void> {
    await this.consumer?.cancel();
    await this.connection.withChannel((ch) => ch.deleteQueue(this.queue)).catch(() => undefined);
  }
}
