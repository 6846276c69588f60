import { type ConsumerHandle } from '@koji-farm/messaging';
import { type PoolKind } from '../tasks/pool-kind';
import { SlotPool } from '../tasks/slot-pool';
import { SlotGatedConsumption } from './slot-gated-consumption';

/**
 * One kind of slot and the queues that fill it: the consumers hold no more than the
 * slots (ADR 0068, 0077), so a busy replica leaves queued tasks to idle ones.
 */
export class TaskPool {
  readonly slots: SlotPool;
  readonly consumption: SlotGatedConsumption;

  constructor(
    readonly kind: PoolKind,
    readonly queues: readonly string[],
    size: number,
    subscribe: (pool: TaskPool, limit: number) => Promise<ConsumerHandle[]>,
    onError: (err: unknown) => void,
    /** False while the executor must take no task of this pool (IntakeHealth): the consumers pause. */
    accepting: () => boolean = () => true,
  ) {
    this.slots = new SlotPool(size);
    const slots = this.slots;
    this.consumption = new SlotGatedConsumption(
      {
        size,
        get free() {
          return slots.free;
        },
        accepting,
      },
      (limit) => subscribe(this, limit),
      onError,
    );
  }
}
