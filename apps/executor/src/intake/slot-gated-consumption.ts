import { type ConsumerHandle } from '@koji-farm/messaging';

/** How soon a failed change is tried again when no slot change would retry it. */
const RETRY_AFTER_MS = 1000;

/**
 * Keeps the executor's arch-queue consumers in step with its free slots.
 *
 * RabbitMQ's prefetch is per consumer and quorum queues refuse a channel-wide (global) one,
 * so consumers of N arch queues with prefetch = SLOTS could hold N × SLOTS messages, the
 * extra ones waiting for a slot here while another executor sits idle. Instead each
 * consumer's prefetch is set to the slots free at the moment, 0 (not subscribed) while
 * none is free. A consumer keeps its channel through these changes, so the messages it
 * delivered before (the running tasks) stay with it and are settled as usual.
 *
 * What can still arrive in excess is what the broker sent in the instant between a slot
 * being taken and the prefetch being lowered; those messages wait for a slot.
 */
export class SlotGatedConsumption {
  private consumers?: ConsumerHandle[];
  /** The prefetch the consumers run with; undefined = not yet, or unknown after a failed change. */
  private prefetch?: number;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly freeSlots: () => number,
    /** Starts one consumer per queue with `prefetch`, all or none. */
    private readonly subscribe: (prefetch: number) => Promise<ConsumerHandle[]>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The prefetch of the consumers (0 while paused). */
  get currentPrefetch(): number {
    return this.prefetch ?? 0;
  }

  /** Brings the consumers in line with the free slots now. Calls run one after another. */
  update(): Promise<void> {
    const next = this.chain.then(() => this.apply());
    this.chain = next.catch((err: unknown) => {
      this.prefetch = undefined;
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
    const wanted = this.freeSlots();
    if (wanted === this.prefetch) return;
    if (!this.consumers) {
      this.consumers = await this.subscribe(wanted);
    } else {
      this.prefetch = undefined;
      await Promise.all(this.consumers.map((c) => c.setPrefetch(wanted)));
    }
    this.prefetch = wanted;
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
