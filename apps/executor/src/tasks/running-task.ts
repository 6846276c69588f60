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
