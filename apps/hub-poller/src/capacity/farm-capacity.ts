import { type InFlightTask } from '../state/in-flight-task';
import { type ExecutorState } from './executor-state';

/** Why a task cannot go to the farm at all (refused softly), or null when it can. */
export type Unsupported = { reason: 'method' | 'arch'; message: string } | null;

/**
 * What the live executors offer, computed once per loop (ADR 0052). A slot counts as
 * used when an executor reports it busy *or* a task we queued may be holding it:
 * `used = max(Σ busy, in-flight tasks)`. Each in-flight task is counted once wherever
 * it is (queued, delivered, running), so a task delivered between two heartbeats is
 * never counted twice, and work executors report that we did not queue (a cancelled
 * task still being killed) still holds its slot.
 */
export class FarmCapacity {
  readonly liveExecutors: number;
  readonly methods: string[];
  readonly arches: string[];
  readonly containerSlots: number;
  readonly orchestrationSlots: number;
  private containerFreeValue: number;
  private orchestrationFreeValue: number;
  private readonly archFree = new Map<string, number>();

  constructor(
    private readonly executors: readonly ExecutorState[],
    inFlight: readonly InFlightTask[],
  ) {
    this.liveExecutors = executors.length;
    this.methods = [...new Set(executors.flatMap((e) => e.methods))].sort();
    this.arches = [...new Set(executors.flatMap((e) => e.arches))].sort();
    this.containerSlots = sum(executors, (e) => e.slots);
    this.orchestrationSlots = sum(executors, (e) => e.orchestrationSlots);
    const containerTasks = inFlight.filter((t) => !t.orchestration);
    const orchestrationTasks = inFlight.length - containerTasks.length;
    this.containerFreeValue = Math.max(
      0,
      this.containerSlots -
        Math.max(
          sum(executors, (e) => e.busy),
          containerTasks.length,
        ),
    );
    this.orchestrationFreeValue = Math.max(
      0,
      this.orchestrationSlots -
        Math.max(
          sum(executors, (e) => e.orchestrating),
          orchestrationTasks,
        ),
    );
    for (const arch of this.arches) {
      const serving = executors.filter((e) => e.arches.includes(arch));
      const queued = containerTasks.filter((t) => t.arch === arch).length;
      const used = Math.max(
        sum(serving, (e) => e.busy),
        queued,
      );
      this.archFree.set(arch, Math.max(0, sum(serving, (e) => e.slots) - used));
    }
  }

  /** `maxjobs` for the hub: every slot, container and orchestration (a waiting parent is OPEN too). */
  get maxjobs(): number {
    return this.containerSlots + this.orchestrationSlots;
  }

  get containerFree(): number {
    return this.containerFreeValue;
  }

  get orchestrationFree(): number {
    return this.orchestrationFreeValue;
  }

  /** kojid's "ready": something alive with a free slot of either kind. */
  get hasFreeSlot(): boolean {
    return this.liveExecutors > 0 && (this.containerFreeValue > 0 || this.orchestrationFreeValue > 0);
  }

  /** Null when some live executor runs `method` (for `arch`, unless it only orchestrates). */
  unsupported(method: string, arch: string, orchestration: boolean): Unsupported {
    const offering = this.executors.filter((e) => e.methods.includes(method));
    if (offering.length === 0) {
      return { reason: 'method', message: `no live koji-farm executor offers method ${method}` };
    }
    if (orchestration) {
      if (offering.some((e) => e.orchestrationSlots > 0)) return null;
      return { reason: 'method', message: `no live koji-farm executor orchestrates method ${method}` };
    }
    if (offering.some((e) => e.arches.includes(arch))) return null;
    return { reason: 'arch', message: `no live koji-farm executor runs ${method} for arch ${arch}` };
  }

  /** Whether a slot is free for one more task of this kind (and arch). */
  hasRoomFor(arch: string, orchestration: boolean): boolean {
    if (orchestration) return this.orchestrationFreeValue > 0;
    return this.containerFreeValue > 0 && (this.archFree.get(arch) ?? 0) > 0;
  }

  /** Counts a task just queued against the free slots of this loop. */
  take(arch: string, orchestration: boolean): void {
    if (orchestration) {
      this.orchestrationFreeValue = Math.max(0, this.orchestrationFreeValue - 1);
      return;
    }
    this.containerFreeValue = Math.max(0, this.containerFreeValue - 1);
    for (const [a, free] of this.archFree) {
      // An executor serving this arch may serve others: their room shrinks too, at most by one.
      if (a === arch || this.shareExecutor(a, arch)) this.archFree.set(a, Math.max(0, free - 1));
    }
  }

  private shareExecutor(a: string, b: string): boolean {
    return this.executors.some((e) => e.arches.includes(a) && e.arches.includes(b));
  }
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0);
}
