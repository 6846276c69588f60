import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AMQP_TOPOLOGY, type AmqpTopology } from '@koji-farm/messaging';
import { QueueDepthProbe } from '../../amqp/queue-depth-probe';
import { MONITOR_CONFIG, type MonitorConfig } from '../../config/monitor.config';
import { FoldProgress } from '../../ingest/fold-progress';
import { RegistryKeys } from '../registry-keys';
import { type ExecutorView, type StatusView } from '../views/farm.views';
import { ExecutorReader } from './executor-reader';

export interface TaskCount {
  state: string;
  method: string;
  count: number;
}

const RATE_WINDOW_SECONDS = 10;

/** Assembles the farm's status: hub, pollers, executors and slots, queues, tasks, event rate. */
@Injectable()
export class StatusReader {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly executors: ExecutorReader,
    private readonly probe: QueueDepthProbe,
    private readonly progress: FoldProgress,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
  ) {}

  async taskCounts(): Promise<TaskCount[]> {
    const stats = await this.redis.hgetall(RegistryKeys.taskStats);
    return Object.entries(stats)
      .map(([key, count]) => {
        const bar = key.indexOf('|');
        return { state: key.slice(0, bar), method: key.slice(bar + 1), count: Number(count) };
      })
      .filter((c) => c.count > 0);
  }

  async status(now = Date.now()): Promise<StatusView> {
    const [executors, pollers, counts, knownQueues, rate, foldedOffset, snapshots] = await Promise.all([
      this.executors.list(now),
      this.executors.pollers(now),
      this.taskCounts(),
      this.redis.smembers(RegistryKeys.queues),
      this.eventsPerSecond(now),
      this.redis.get(RegistryKeys.offset),
      this.redis.hmget(RegistryKeys.snapshotStats, 'hit', 'miss'),
    ]);
    const hit = Number(snapshots[0] ?? 0);
    const miss = Number(snapshots[1] ?? 0);
    const alive = executors.filter((e) => e.state === 'alive');
    const leader = pollers.find((p) => p.leader && p.alive) ?? null;
    const tasks: Record<string, number> = {};
    for (const c of counts) tasks[c.state] = (tasks[c.state] ?? 0) + c.count;
    return {
      at: new Date(now).toISOString(),
      hub: leader?.hub ?? null,
      poller: { leader: leader?.id ?? null, pollers },
      executors: {
        alive: alive.length,
        gone: executors.filter((e) => e.state === 'gone').length,
        stopped: executors.filter((e) => e.state === 'stopped').length,
      },
      slots: {
        total: sum(alive, (e) => e.slots),
        busy: sum(alive, (e) => e.busy),
        orchestration: {
          total: sum(alive, (e) => e.orchestrationSlots),
          busy: sum(alive, (e) => e.orchestrating),
        },
      },
      arches: archSummary(alive),
      queues: await this.queues(knownQueues, alive, now),
      tasks,
      eventsPerSecond: rate,
      buildrootSnapshots: { hit, miss, hitRate: hit + miss === 0 ? null : hit / (hit + miss) },
      monitor: {
        replica: this.config.replicaId,
        epoch: this.progress.epoch,
        foldedOffset: foldedOffset === null ? null : Number(foldedOffset),
        subscribedFrom: this.progress.subscribedFrom,
        lastFoldedAt:
          this.progress.lastFoldedAt === null ? null : new Date(this.progress.lastFoldedAt).toISOString(),
        foldLagMs: this.progress.lastLagMs,
        rebuilds: this.progress.rebuilds,
      },
    };
  }

  private async queues(known: string[], alive: ExecutorView[], now: number): Promise<StatusView['queues']> {
    const names = new Set([
      ...known,
      ...alive.flatMap((e) => e.arches.map((arch) => this.names.taskQueue(arch))),
      this.names.orchestrateQueue,
      this.names.tasksDeadQueue,
    ]);
    const sorted = [...names].sort();
    const pipeline = this.redis.pipeline();
    for (const name of sorted) pipeline.zcard(RegistryKeys.tasksInQueue(name));
    const [depths, cards] = await Promise.all([this.probe.depths(sorted, now), pipeline.exec()]);
    return sorted.map((name, i) => ({
      name,
      depth: depths.get(name) ?? null,
      queuedTasks: Number(cards?.[i]?.[1] ?? 0),
    }));
  }

  private async eventsPerSecond(now: number): Promise<number> {
    const second = Math.floor(now / 1000);
    const keys = Array.from({ length: RATE_WINDOW_SECONDS }, (_, i) => RegistryKeys.rate(second - 1 - i));
    const values = await this.redis.mget(...keys);
    return values.reduce((total, v) => total + Number(v ?? 0), 0) / RATE_WINDOW_SECONDS;
  }
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

function archSummary(alive: readonly ExecutorView[]): StatusView['arches'] {
  const arches: StatusView['arches'] = {};
  for (const e of alive) {
    for (const arch of e.arches) {
      const a = (arches[arch] ??= { executors: 0, slots: 0, busy: 0 });
      a.executors += 1;
      a.slots += e.slots;
      a.busy += e.busy;
    }
  }
  return arches;
}
