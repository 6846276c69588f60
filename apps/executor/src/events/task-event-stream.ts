import { type FarmEvent, type TaskScopedEvent } from '@koji-farm/contracts';
import { ExchangeNotFoundError, PublishRejectedError, UnroutableMessageError } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { type EventDraft, type EventPublisher } from './event-publisher';

type TaskFields = 'executorId' | 'taskId' | 'attempt' | 'seq';

/** A task event without the fields the stream fills in. */
export type TaskEventDraft = TaskScopedEvent extends infer T
  ? T extends TaskScopedEvent
    ? Omit<EventDraft<T>, TaskFields>
    : never
  : never;

/** Tries of one event the broker refused (a nack, a missing exchange) before it is given up. */
const MAX_REFUSED_TRIES = 5;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;

interface Outgoing {
  event: FarmEvent;
  bytes: number;
  /** Sends the broker refused (not counting a lost connection, which is always retried). */
  refusals: number;
}

/**
 * The events of one attempt of one task: numbers them (`seq` from 1) and publishes them
 * in that order on the one confirm channel. `emit` never throws and never waits: a
 * build goes on whatever the broker does (events are for watching; the outcome is the
 * hub's).
 *
 * While RabbitMQ is unreachable (ADR 0083) the events wait here, in memory, and go out
 * in `seq` order once it is back: what was sent and not confirmed when the connection
 * dropped is sent again before anything emitted later (the monitor folds a duplicate
 * `(taskId, attempt, seq)` once), so the monitor sees no gap. Memory is bounded by the
 * executor-wide EventBacklog: past it, `log.chunk` events are refused (the logs are whole
 * on disk and on the hub); lifecycle, step and buildroot events are always kept.
 */
export class TaskEventStream {
  private seq = 0;
  /** Emitted and not yet sent (while recovering), in seq order. */
  private queue: Outgoing[] = [];
  /** Sent and neither confirmed nor failed yet. */
  private inFlight = 0;
  /** Failed in the current round, to be sent again first. */
  private failed: Outgoing[] = [];
  /** Set from a failed send until the resend round has been handed to the broker. */
  private recovering = false;
  private backoff = FIRST_BACKOFF_MS;
  private idleWaiters: Array<() => void> = [];
  private failures = 0;
  private refusedChunks = 0;
  private retries = 0;

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

  /** Events given up (refused by the broker again and again, or invalid). */
  get failedPublishes(): number {
    return this.failures;
  }

  /** Log chunks left out because the executor's event backlog was full. */
  get refusedLogChunks(): number {
    return this.refusedChunks;
  }

  /** Sends repeated after a lost connection or a refusal. */
  get republished(): number {
    return this.retries;
  }

  emit(draft: TaskEventDraft): void {
    this.observe?.(draft);
    const droppable = draft.type === 'log.chunk';
    try {
      const bytes = droppable ? Buffer.byteLength(draft.data) : 0;
      // Refused before a seq is taken: the seqs the monitor sees stay without holes.
      if (droppable && !this.publisher.backlog.reserve(bytes, true)) {
        if (this.refusedChunks++ === 0)
          this.logger.warn(
            { maxBytes: this.publisher.backlog.maxBytes },
            'event backlog full while the broker is away; leaving log chunks out (the logs are whole on the hub)',
          );
        return;
      }
      const event = this.publisher.prepare({
        ...draft,
        ...this.scope,
        seq: this.seq + 1,
      });
      this.seq++;
      const outgoing = { event, bytes: droppable ? bytes : JSON.stringify(event).length, refusals: 0 };
      if (!droppable) this.publisher.backlog.reserve(outgoing.bytes, false);
      this.queue.push(outgoing);
    } catch (err) {
      this.failures++;
      this.logger.warn({ err, type: draft.type }, 'could not publish a task event');
      return;
    }
    this.sendQueued();
  }

  /** Like emit, but resolves when this event (and every earlier one) was published. */
  async emitAndWait(draft: TaskEventDraft): Promise<void> {
    this.emit(draft);
    await this.flush();
  }

  /** Resolves when everything emitted so far was published (or given up). */
  flush(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get idle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0 && this.failed.length === 0 && !this.recovering;
  }

  /**
   * Hands the queue to the broker at once, in order, without waiting for earlier
   * confirms (one confirm channel keeps the order). Not while recovering: then events
   * wait until the ones that failed have been sent again.
   */
  private sendQueued(): void {
    if (this.recovering) return;
    const batch = this.queue;
    this.queue = [];
    for (const o of batch) {
      this.inFlight++;
      this.publisher.send(o.event).then(
        () => this.confirmed(o),
        (err: unknown) => this.notConfirmed(o, err),
      );
    }
  }

  private confirmed(o: Outgoing): void {
    this.inFlight--;
    this.publisher.backlog.release(o.bytes);
    this.afterSettle();
  }

  private notConfirmed(o: Outgoing, err: unknown): void {
    this.inFlight--;
    // Only an answer of the broker counts; anything else is the connection (closed,
    // closing, not there yet: amqplib's own "Channel closed" too) and is retried until
    // the broker is back, however long that takes.
    const refused =
      err instanceof PublishRejectedError ||
      err instanceof UnroutableMessageError ||
      err instanceof ExchangeNotFoundError;
    if (refused && ++o.refusals >= MAX_REFUSED_TRIES) {
      this.failures++;
      this.publisher.backlog.release(o.bytes);
      this.logger.warn(
        { err, type: o.event.type, seq: seqOf(o.event) },
        'could not publish a task event; giving it up',
      );
    } else {
      this.failed.push(o);
      this.recovering = true;
    }
    this.afterSettle();
  }

  /**
   * Once nothing is in flight: what failed goes to the front of the queue in seq order
   * and is sent again after a backoff (RabbitMQ may still be away: the publish then
   * waits for the connection, AmqpConnectionOptions.publishWaitMs, and fails again).
   */
  private afterSettle(): void {
    if (this.inFlight > 0) return;
    if (this.failed.length > 0) {
      const again = this.failed.sort((a, b) => (seqOf(a.event) ?? 0) - (seqOf(b.event) ?? 0));
      this.failed = [];
      this.retries += again.length;
      this.logger.debug(
        { events: again.length, firstSeq: seqOf(again[0].event), waiting: this.queue.length },
        'task events not confirmed; sending them again in order',
      );
      this.queue = [...again, ...this.queue];
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      setTimeout(() => {
        this.recovering = false;
        this.sendQueued();
        this.afterSettle();
      }, wait);
      return;
    }
    if (!this.recovering) this.backoff = FIRST_BACKOFF_MS;
    if (this.idle) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

function seqOf(event: FarmEvent): number | undefined {
  return 'seq' in event ? event.seq : undefined;
}
