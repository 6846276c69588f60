/**
 * Counts container slots across every arch queue. The intake sizes its consumers by the
 * free slots, but a message the broker sent in the instant before they were cancelled can
 * still arrive when none is free: it waits here for one (or is handed back at shutdown).
 */
export class SlotPool {
  private used = 0;
  private readonly waiters: Array<{ grant: () => void; refuse: (err: Error) => void }> = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  get free(): number {
    return this.size - this.used;
  }

  /** Resolves when a slot is free; rejects with `refuseAll`'s error. */
  acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((grant, refuse) => this.waiters.push({ grant, refuse }));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.used = Math.max(0, this.used - 1);
  }

  /** Fails every waiting `acquire` (shutdown). */
  refuseAll(err: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.refuse(err);
  }
}
