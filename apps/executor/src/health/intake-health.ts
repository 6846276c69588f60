import { Injectable } from '@nestjs/common';
import { type ExecutorProblem } from '@koji-farm/contracts';

export type HealthCheck = ExecutorProblem['check'];

/**
 * What keeps this executor from taking container tasks now (kojid's host "not ready"):
 * Podman's API not answering, too little disk under the work directory. While any problem
 * stands, the container consumers pause (prefetch 0) and heartbeats offer 0 slots and say
 * why; running tasks go on. Listeners hear every change.
 */
@Injectable()
export class IntakeHealth {
  private readonly current = new Map<HealthCheck, ExecutorProblem>();
  private readonly listeners = new Set<() => void>();

  get healthy(): boolean {
    return this.current.size === 0;
  }

  problems(): ExecutorProblem[] {
    return [...this.current.values()];
  }

  has(check: HealthCheck): boolean {
    return this.current.has(check);
  }

  /** Records a problem (the first time keeps its `since`; a new message replaces the text). True when it is new. */
  report(check: HealthCheck, message: string): boolean {
    const known = this.current.get(check);
    this.current.set(check, { check, message, since: known?.since ?? new Date().toISOString() });
    if (!known) this.changed();
    return !known;
  }

  /** True when the problem was there. */
  clear(check: HealthCheck): boolean {
    if (!this.current.delete(check)) return false;
    this.changed();
    return true;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
