import { type ConsumerHandle } from '@koji-farm/messaging';
import { type PoolKind } from '../tasks/pool-kind';
import { SlotPool } from '../tasks/slot-pool';
import { SlotGatedConsumption } from './slot-gated-consumption';

/**
 * One kind of slot and the queues that fill it: the consumers' prefetch follows the free
 * slots (ADR 0068), so a busy replica leaves queued tasks to idle ones.
 */
export class TaskPool {
  readonly slots: SlotPool;
  readonly consumption: SlotGatedConsumption;

  constructor(
    readonly kind: PoolKind,
    readonly queues: readonly string[],
    size: number,
    subscribe: (pool: TaskPool, prefetch: number) => Promise<ConsumerHandle[]>,
    onError: (err: unknown) => void,
  ) {
    this.slots = new SlotPool(size);
    this.consumption = new SlotGatedConsumption(
      () => this.slots.free,
      (prefetch) => subscribe(this, prefetch),
      onError,
    );
  }
}
