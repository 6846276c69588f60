import { randomUUID } from 'node:crypto';
import { type FarmEvent, farmEventSchema } from '@koji-farm/contracts';

/** Builds single events for hand-written test cases (ids, times and seqs filled in). */
export class EventFactory {
  private readonly seqs = new Map<string, number>();

  constructor(private readonly now = Date.now()) {}

  task(
    taskId: number,
    attempt: number,
    type: string,
    fields: Record<string, unknown> = {},
    executorId = 'exec-a',
  ): FarmEvent {
    const key = `${taskId}/${attempt}`;
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    return farmEventSchema.parse({
      v: 1,
      id: randomUUID(),
      at: this.at(),
      seq,
      executorId,
      taskId,
      attempt,
      type,
      ...fields,
    });
  }

  queued(taskId: number, arch: string, queue: string, method = 'buildArch'): FarmEvent {
    return farmEventSchema.parse({
      v: 1,
      id: randomUUID(),
      at: this.at(),
      seq: this.next('poller'),
      pollerId: 'poller-1',
      type: 'task.queued',
      taskId,
      method,
      arch,
      queue,
      priority: 19,
      weight: 1,
      parentId: null,
    });
  }

  /** An event of the poller (`task.refused`, `buildroot.state` with `by: 'poller'`, ...). */
  poller(type: string, fields: Record<string, unknown>): FarmEvent {
    return farmEventSchema.parse({
      v: 1,
      id: randomUUID(),
      at: this.at(),
      seq: this.next('poller'),
      pollerId: 'poller-1',
      type,
      ...fields,
    });
  }

  heartbeat(
    executorId: string,
    fields: {
      arches: string[];
      slots: number;
      busy: number;
      orchestrationSlots?: number;
      problems?: Array<{ check: 'podman' | 'disk'; message: string; since: string }>;
    },
  ): FarmEvent {
    return farmEventSchema.parse({
      v: 1,
      id: randomUUID(),
      at: this.at(),
      seq: this.next(executorId),
      executorId,
      type: 'executor.heartbeat',
      methods: [],
      orchestrating: 0,
      orchestrationSlots: 0,
      load: 0,
      version: '0.1.0',
      startedAt: new Date(this.now - 60_000).toISOString(),
      hostname: executorId,
      ...fields,
    });
  }

  private next(key: string): number {
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    return seq;
  }

  private last = 0;

  /** The current time, strictly increasing from one event to the next. */
  private at(): string {
    this.last = Math.max(Date.now(), this.last + 1);
    return new Date(this.last).toISOString();
  }
}
