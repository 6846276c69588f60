import { type ConsumerHandle } from '@koji-farm/messaging';

/** How soon a failed (re)subscription is tried again when no slot change would retry it. */
const RETRY_AFTER_MS = 1000;

/**
 * Keeps the executor's arch-queue consumers in step with its free slots.
 *
 * RabbitMQ's prefetch is per consumer and quorum queues refuse a channel-wide (global) one,
 * so consumers of N arch queues with prefetch = SLOTS could hold N × SLOTS messages, the
 * extra ones waiting for a slot here while another executor sits idle. Instead the
 * consumers are (re)started with prefetch = the slots free at that moment, and cancelled
 * while none is free. A cancelled consumer's unacked messages (the running tasks) stay
 * this executor's and are settled on its channel, which closes once they are.
 *
 * What can still arrive in excess is what the broker sent in the instant between a slot
 * being taken and the consumers being cancelled; those messages wait for a slot.
 */
export class SlotGatedConsumption {
  private consumers: ConsumerHandle[] = [];
  /** The prefetch the current consumers run with; 0 = paused; undefined = unknown (a failed change). */
  private prefetch: number | undefined = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly freeSlots: () => number,
    private readonly subscribe: (prefetch: number) => Promise<ConsumerHandle[]>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The prefetch of the live consumers (0 while paused). */
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
    await this.cancelAll();
  }

  private async apply(): Promise<void> {
    if (this.closed) return;
    const wanted = this.freeSlots();
    if (wanted === this.prefetch) return;
    await this.cancelAll();
    this.prefetch = 0;
    if (wanted > 0) {
      this.consumers = await this.subscribe(wanted);
      this.prefetch = wanted;
    }
  }

  private async cancelAll(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    const results = await Promise.allSettled(consumers.map((c) => c.cancel()));
    for (const result of results) if (result.status === 'rejected') this.onError(result.reason);
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
