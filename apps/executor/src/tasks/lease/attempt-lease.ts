import { setTimeout as delay } from 'node:timers/promises';
import { type LoggerLike } from '@koji-farm/observability';
import { LeaseLostError } from '../errors/lease-lost.error';
import { type TaskLeaseStore } from './task-lease.store';

/** Between tries of the fence while Redis does not answer. */
const FENCE_RETRY_MS = 1000;

/**
 * The lease of one running attempt (ADR 0083): renewed every third of its TTL while the
 * attempt runs, whatever the broker does; `lost` aborts the attempt when another holder
 * has the task. Redis unreachable is not a loss: the attempt goes on and renews when
 * Redis answers again (taking the lease again if it vanished and nobody took it).
 */
export class AttemptLease {
  private timer?: NodeJS.Timeout;
  private ended = false;
  private readonly lostController = new AbortController();

  constructor(
    private readonly store: TaskLeaseStore,
    readonly taskId: number,
    readonly attempt: number,
    private readonly generation: number,
    private readonly logger: LoggerLike,
  ) {}

  /** Aborts (reason: LeaseLostError) when another holder took the task. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /** Starts renewing. */
  start(): void {
    const onLost = (err: LeaseLostError) => this.lostController.abort(err);
    const every = Math.max(100, Math.floor(this.store.ttlMs / 3));
    let renewing = false;
    this.timer = setInterval(() => {
      if (renewing || this.ended) return;
      renewing = true;
      void this.renew(onLost).finally(() => (renewing = false));
    }, every);
    this.timer.unref();
  }

  private async renew(onLost: (err: LeaseLostError) => void): Promise<void> {
    try {
      const check = await this.store.check(this.taskId, this.attempt, this.generation);
      if (this.ended) return;
      if (check === 'retaken') this.logger.warn('the task lease was gone from Redis; took it again');
      if (check === 'lost') {
        this.stop();
        onLost(new LeaseLostError(this.taskId, this.attempt));
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not renew the task lease in Redis; the task goes on');
    }
  }

  /**
   * The fence before a hub call that settles the task: true when this attempt holds the
   * lease (renewed), false when another holder has it. While Redis does not answer it
   * tries for one lease TTL and then lets the call go: the hub is the record (ADR 0078),
   * and it refuses to settle a task twice.
   */
  async fence(): Promise<boolean> {
    const until = Date.now() + this.store.ttlMs;
    for (;;) {
      try {
        return (await this.store.check(this.taskId, this.attempt, this.generation)) !== 'lost';
      } catch (err) {
        if (Date.now() >= until) {
          this.logger.warn({ err }, 'Redis unreachable for the lease fence; settling on the hub anyway');
          return true;
        }
        await delay(FENCE_RETRY_MS);
      }
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Ends the lease: `outcome` (closed, failed, canceled, gone) marks the task's
   * generation settled; undefined frees it for the next attempt at once (requeued).
   */
  async end(outcome?: string): Promise<void> {
    this.ended = true;
    this.stop();
    try {
      await this.store.release(this.taskId, this.attempt, outcome);
    } catch (err) {
      // It expires by itself; a leftover message then finds the task closed on the hub.
      this.logger.warn({ err }, 'could not release the task lease in Redis; it will expire');
    }
  }
}
