import { type ConsumerHandle } from '@koji-farm/messaging';

/** How soon a failed change is tried again when no slot change would retry it. */
const RETRY_AFTER_MS = 1000;

/** What the consumption follows: the pool's slots and whether it takes tasks at all. */
export interface SlotGate {
  readonly size: number;
  readonly free: number;
  /** False while the executor must take no task of this pool (IntakeHealth, shutdown). */
  accepting(): boolean;
}

/**
 * Keeps the executor's task consumers in step with its slots (ADR 0068, 0077).
 *
 * Each consumer has a limit: the most unsettled messages it may hold at once
 * (`ConsumerHandle.setPrefetch`). Raising it adds a broker subscription; lowering it
 * cancels one that could still receive, and RabbitMQ 3.10 then hands a message it was
 * sending back to the queue with its delivery count raised, a delivery nobody saw
 * (issue 17.4). So limits are lowered only when the pool must stop taking tasks:
 *
 * - one queue: the limit is the pool's size. A delivered message takes a slot and uses
 *   the consumer's credit at once, its settlement frees both, so the consumer never
 *   holds more than there are slots and nothing is ever cancelled;
 * - several queues (arches): each may hold what it holds plus the free slots; the limit
 *   is not lowered while a slot is free (a message in excess waits for a slot), and is
 *   lowered to what each holds once none is free, so a busy executor leaves queued tasks
 *   to idle ones;
 * - not accepting (Podman away, disk short, shutdown): 0, paused.
 */
export class SlotGatedConsumption {
  private consumers?: ConsumerHandle[];
  /** The limit each consumer runs with; undefined = not yet, or unknown after a failed change. */
  private limits?: number[];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly gate: SlotGate,
    /** Starts one consumer per queue with `limit`, all or none. */
    private readonly subscribe: (limit: number) => Promise<ConsumerHandle[]>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The limits of the consumers, one per queue (0 while paused). */
  get currentLimits(): number[] {
    return [...(this.limits ?? [])];
  }

  /** Brings the consumers in line with the slots now. Calls run one after another. */
  update(): Promise<void> {
    const next = this.chain.then(() => this.apply());
    this.chain = next.catch((err: unknown) => {
      this.limits = undefined;
      this.onError(err);
      this.scheduleRetry();
    });
    return this.chain;
  }

  /** Cancels the consumers for good (shutdown). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.chain;
    const consumers = this.consumers ?? [];
    this.consumers = [];
    const results = await Promise.allSettled(consumers.map((c) => c.cancel()));
    for (const result of results) if (result.status === 'rejected') this.onError(result.reason);
  }

  private async apply(): Promise<void> {
    if (this.closed) return;
    if (!this.consumers) {
      const first = this.gate.accepting() ? this.gate.size : 0;
      this.consumers = await this.subscribe(first);
      this.limits = this.consumers.map(() => first);
      return;
    }
    const consumers = this.consumers;
    const previous = this.limits;
    const wanted = consumers.map((c, i) => this.limitFor(c, previous?.[i]));
    this.limits = undefined;
    await Promise.all(consumers.map((c, i) => c.setPrefetch(wanted[i])));
    this.limits = wanted;
  }

  private limitFor(consumer: ConsumerHandle, previous: number | undefined): number {
    const { gate } = this;
    if (!gate.accepting()) return 0;
    if (this.consumers!.length === 1) return gate.size;
    const held = consumer.held();
    if (gate.free === 0) return held;
    return Math.max(held + gate.free, previous ?? 0);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.update();
    }, RETRY_AFTER_MS);
    this.retry.unref();
  }
}
