import { type FarmEvent, type TaskScopedEvent } from '@koji-farm/contracts';
import { type LoggerLike } from '@koji-farm/observability';
import { type EventDraft, type EventPublisher } from './event-publisher';

type TaskFields = 'executorId' | 'taskId' | 'attempt' | 'seq';
/** A task event without the fields the stream fills in. */
export type TaskEventDraft = TaskScopedEvent extends infer T
  ? T extends TaskScopedEvent
    ? Omit<EventDraft<T>, TaskFields>
    : never
  : never;

/**
 * The events of one attempt of one task: numbers them (`seq` from 1) and publishes them
 * in that order on the one confirm channel, so that they reach the broker in `seq`
 * order. `emit` never throws:
 * a failed publish is logged and the task goes on (events are for watching; the task's
 * outcome is the hub's). `flush()` waits until everything emitted so far was published.
 */
export class TaskEventStream {
  private seq = 0;
  private tail: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly scope: { executorId: string; taskId: number; attempt: number },
    private readonly logger: LoggerLike,
    /** Told of every event as it is emitted (e.g. the attempt's buildroots); must not throw. */
    private readonly observe?: (draft: TaskEventDraft) => void,
  ) {}

  get lastSeq(): number {
    return this.seq;
  }

  /** Events that could not be published. */
  get failedPublishes(): number {
    return this.failures;
  }

  emit(draft: TaskEventDraft): void {
    this.observe?.(draft);
    const event = { ...draft, ...this.scope, seq: ++this.seq } as EventDraft<FarmEvent>;
    // Published at once, not after the previous confirm: one confirm channel keeps the
    // order, and a slow confirm does not hold back the events behind it.
    const published = this.publisher.publish(event).then(
      () => undefined,
      (err: unknown) => {
        this.failures++;
        this.logger.warn({ err, type: event.type, seq: event.seq }, 'could not publish a task event');
      },
    );
    this.tail = Promise.all([this.tail, published]).then(() => undefined);
  }

  /** Like emit, but resolves when this event (and every earlier one) was published. */
  async emitAndWait(draft: TaskEventDraft): Promise<void> {
    this.emit(draft);
    await this.flush();
  }

  flush(): Promise<void> {
    return this.tail;
  }
}
