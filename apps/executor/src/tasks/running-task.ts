import { type InboundMessage } from '@koji-farm/messaging';
import { type PoolKind } from './pool-kind';

/** One attempt of one task running on this executor. */
export class RunningTask {
  private readonly controller = new AbortController();
  private finish!: () => void;
  /** Resolves when the attempt has settled its message and cleaned up. */
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));
  readonly startedAt = Date.now();
  /** The hub buildroots this attempt made and has not expired (heartbeats list them). */
  readonly buildroots = new Set<number>();

  constructor(
    readonly taskId: number,
    readonly attempt: number,
    /** The poller's reissue generation of the message this attempt runs. */
    readonly generation: number,
    readonly method: string,
    readonly weight: number,
    /** The slots it takes: a container slot, or an orchestration slot (a parent that waits). */
    readonly pool: PoolKind = 'container',
  ) {}

  /** The delivery whose message this attempt settles at its end (replaced on adoption). */
  private message?: InboundMessage;
  private settling = false;

  get delivery(): InboundMessage | undefined {
    return this.message;
  }

  /** The attempt's first delivery. */
  deliveredBy(message: InboundMessage): void {
    this.message ??= message;
  }

  /**
   * A redelivery of this attempt's task (its channel closed in a broker blip and the
   * broker gave the message back, here): the attempt goes on and settles the new one at
   * its end (ADR 0083). False when there is nothing to take it for: the attempt is
   * already settling, or its own message is still live (the new one is a duplicate).
   */
  adopt(message: InboundMessage): boolean {
    if (this.settling) return false;
    if (this.message && !this.message.channelLost.aborted && !this.message.isSettled) return false;
    this.message = message;
    return true;
  }

  /** From now on the attempt's message is being settled: no more adoptions. */
  beginSettling(): InboundMessage | undefined {
    this.settling = true;
    return this.message;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops the attempt's work; `reason` says why (TaskCanceledError, TaskTimeoutError). First reason wins. */
  abort(reason: Error): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Follows the attempt's `buildroot.state` events. */
  noteBuildroot(brootId: number, state: string): void {
    if (state === 'EXPIRED') this.buildroots.delete(brootId);
    else this.buildroots.add(brootId);
  }

  markDone(): void {
    this.finish();
  }
}
