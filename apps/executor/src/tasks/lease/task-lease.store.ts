import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { ACQUIRE_LEASE, RELEASE_LEASE, RENEW_LEASE } from './task-lease.scripts';

/** How long a task's attempt counter and its settled marker are kept (as the poller's generations). */
export const LEASE_KEEP_MS = 30 * 24 * 3600 * 1000;

export type LeaseClaim =
  | { kind: 'acquired'; attempt: number }
  | { kind: 'mine'; attempt: number }
  | { kind: 'held'; attempt: number; holder: string; ttlMs: number }
  | { kind: 'settled'; attempt: number; holder: string; outcome: string };

/** What a renewal (or the fence before a settling hub call) found. */
export type LeaseCheck = 'held' | 'retaken' | 'lost';

/**
 * The fenced per-task lease in Redis (ADR 0083): which executor process runs a task and
 * as which attempt. The holder is the executor id and a random id of this process, so
 * a restarted executor of the same id is a new holder. The attempt number doubles as
 * the fencing token: it only grows per task, and the fence (`check`) passes only for
 * the attempt that holds the lease.
 */
@Injectable()
export class TaskLeaseStore {
  /** This process as a lease holder: `<executorId>/<random>`. */
  readonly holder: string;

  constructor(
    @Inject(Redis) private readonly redis: Redis,
    @Inject(EXECUTOR_CONFIG) private readonly config: Pick<ExecutorConfig, 'executorId' | 'lease'>,
  ) {
    this.holder = `${config.executorId}/${randomBytes(4).toString('hex')}`;
  }

  get ttlMs(): number {
    return this.config.lease.ttlMs;
  }

  async acquire(taskId: number, generation: number): Promise<LeaseClaim> {
    const reply = (await this.redis.eval(
      ACQUIRE_LEASE,
      2,
      leaseKey(taskId),
      attemptsKey(taskId),
      this.holder,
      generation,
      this.ttlMs,
      LEASE_KEEP_MS,
    )) as string[];
    const [kind, attempt] = [reply[0], Number(reply[1])];
    switch (kind) {
      case 'acquired':
      case 'mine':
        return { kind, attempt };
      case 'held':
        return { kind, attempt, holder: reply[2], ttlMs: Number(reply[3]) };
      case 'settled':
        return { kind, attempt, holder: reply[2], outcome: reply[3] };
      default:
        throw new Error(`unexpected task lease reply ${String(kind)}`);
    }
  }

  /** Renews the attempt's lease; also the fence before a hub call that settles the task. */
  async check(taskId: number, attempt: number, generation: number): Promise<LeaseCheck> {
    const reply = Number(
      await this.redis.eval(
        RENEW_LEASE,
        2,
        leaseKey(taskId),
        attemptsKey(taskId),
        this.holder,
        attempt,
        generation,
        this.ttlMs,
        LEASE_KEEP_MS,
      ),
    );
    return reply === 1 ? 'held' : reply === 2 ? 'retaken' : 'lost';
  }

  /** Ends the attempt's lease: `outcome` marks its generation settled; undefined frees it for another attempt. */
  async release(taskId: number, attempt: number, outcome?: string): Promise<boolean> {
    const reply = await this.redis.eval(
      RELEASE_LEASE,
      2,
      leaseKey(taskId),
      attemptsKey(taskId),
      this.holder,
      attempt,
      outcome ?? '',
      LEASE_KEEP_MS,
    );
    return Number(reply) === 1;
  }
}

function leaseKey(taskId: number): string {
  return `executor:task-lease:${taskId}`;
}

function attemptsKey(taskId: number): string {
  return `executor:task-attempts:${taskId}`;
}
