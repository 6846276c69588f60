import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

type CollectHook = () => void | Promise<void>;

/**
 * The monitor's Prometheus metrics, in a registry of its own (not prom-client's global
 * one) so that several monitors can live in one process, as they do in tests. Gauges
 * that describe the farm are filled by hooks run at each scrape (see FarmGauges).
 */
@Injectable()
export class MonitorMetrics {
  readonly registry = new Registry();
  private readonly hooks: CollectHook[] = [];

  readonly eventsFolded = new Counter({
    name: 'koji_farm_monitor_events_folded_total',
    help: 'Events read from the stream by this replica, by type and outcome (folded, duplicate, stale, invalid, rejected)',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });

  readonly foldLag = new Gauge({
    name: 'koji_farm_monitor_fold_lag_seconds',
    help: 'Time between the last folded event being emitted and this replica folding it',
    registers: [this.registry],
  });

  readonly rebuilds = new Counter({
    name: 'koji_farm_monitor_rebuilds_total',
    help: 'Times this replica re-read the stream because Redis lost the registry or another replica rebuilt it',
    registers: [this.registry],
  });

  readonly websocketClients = new Gauge({
    name: 'koji_farm_monitor_websocket_clients',
    help: 'WebSocket clients connected to this replica',
    registers: [this.registry],
  });

  readonly stepDuration = new Histogram({
    name: 'koji_farm_step_duration_seconds',
    help: 'Duration of finished steps, by step kind and name (observed by the replica that folded the step)',
    labelNames: ['kind', 'name'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 180, 600, 1800, 3600, 7200],
    registers: [this.registry],
  });

  readonly buildrootSnapshots = new Counter({
    name: 'koji_farm_buildroot_snapshots_total',
    help: 'Clean buildroots by snapshot outcome (hit: started from a snapshot, miss: group installed), counted by the replica that folded the event',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly tasks = new Gauge({
    name: 'koji_farm_tasks',
    help: 'Tasks in the registry by state and method',
    labelNames: ['state', 'method'] as const,
    registers: [this.registry],
  });

  readonly executors = new Gauge({
    name: 'koji_farm_executors',
    help: 'Executors in the registry by state (alive, gone, stopped)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly executorsAlive = new Gauge({
    name: 'koji_farm_executors_alive',
    help: 'Executors whose last heartbeat is recent',
    registers: [this.registry],
  });

  readonly slots = new Gauge({
    name: 'koji_farm_slots',
    help: 'Container and orchestration slots of live executors, total and busy',
    labelNames: ['kind', 'use'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'koji_farm_monitor_' });
  }

  /** Runs `hook` before each export; a failing hook leaves its gauges as they were. */
  onCollect(hook: CollectHook): void {
    this.hooks.push(hook);
  }

  async exposition(): Promise<string> {
    await Promise.allSettled(this.hooks.map(async (hook) => hook()));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
