import { Injectable } from '@nestjs/common';
import { ExecutorReader } from '../registry/readers/executor-reader';
import { StatusReader } from '../registry/readers/status-reader';
import { MonitorMetrics } from './monitor-metrics';

/** Fills the farm gauges (tasks, executors, slots) from the registry at each scrape. */
@Injectable()
export class FarmGauges {
  constructor(metrics: MonitorMetrics, status: StatusReader, executors: ExecutorReader) {
    metrics.onCollect(async () => {
      const counts = await status.taskCounts();
      metrics.tasks.reset();
      for (const c of counts) metrics.tasks.set({ state: c.state, method: c.method || 'unknown' }, c.count);
    });
    metrics.onCollect(async () => {
      const list = await executors.list();
      const alive = list.filter((e) => e.state === 'alive');
      for (const state of ['alive', 'gone', 'stopped'] as const) {
        metrics.executors.set({ state }, list.filter((e) => e.state === state).length);
      }
      metrics.executorsAlive.set(alive.length);
      const total = (of: (e: (typeof alive)[number]) => number) => alive.reduce((n, e) => n + of(e), 0);
      metrics.slots.set(
        { kind: 'container', use: 'total' },
        total((e) => e.slots),
      );
      metrics.slots.set(
        { kind: 'container', use: 'busy' },
        total((e) => e.busy),
      );
      metrics.slots.set(
        { kind: 'orchestration', use: 'total' },
        total((e) => e.orchestrationSlots),
      );
      metrics.slots.set(
        { kind: 'orchestration', use: 'busy' },
        total((e) => e.orchestrating),
      );
    });
  }
}
