import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import type { Logger } from 'pino';
import type { HubDb } from '../db/hub-db';
import type { HostRow, RefusalRow, TaskRow } from '../db/rows';
import { TASK_STATES } from '../db/states';
import type { HubOptions } from '../hub-options';
import type { TaskService } from '../tasks/task-service';

interface SchedHost {
  row: Readonly<HostRow>;
  ready: boolean;
  load: number;
  ntasks: number;
  demand: number;
  maxjobs: number;
  rank: number;
}

interface FreeTask {
  row: Readonly<TaskRow>;
  bin: string;
  hosts: SchedHost[];
}

/**
 * The hub's built-in scheduler (kojihub/scheduler.py). It runs inside a host's
 * `host.getTasks()` when that host has nothing assigned and `RunInterval` has passed:
 * free tasks, best first (priority, then creation), go to ready hosts of their
 * channel/arch bin that are under `maxjobs` and have room
 * (`capacity - load > max(0, weight - CapacityOvercommit)`), least loaded first.
 */
export class TaskScheduler {
  constructor(
    private readonly db: HubDb,
    private readonly tasks: TaskService,
    private readonly opts: () => HubOptions,
    private readonly logger: Logger,
  ) {}

  /** `get_tasks_for_host`: this host's ASSIGNED tasks; runs the scheduler when there are none. */
  tasksForHost(hostId: number, retry = true): KojiStruct[] {
    const query = (): KojiStruct[] =>
      this.db.tasks
        .filter((t) => t.host_id === hostId && t.state === TASK_STATES.ASSIGNED)
        .sort((a, b) => a.priority - b.priority || a.create_time - b.create_time)
        .map((t) => ({
          id: t.id,
          state: t.state,
          channel_id: t.channel_id,
          host_id: t.host_id,
          arch: t.arch,
          method: t.method,
          priority: t.priority,
          create_ts: t.create_time,
        }));
    const found = query();
    if (found.length > 0 || !retry) return found;
    this.run();
    return query();
  }

  /** One scheduler pass; false when it ran too recently (unless forced). */
  run(force = false): boolean {
    if (!force && !this.checkTs()) return false;
    const now = this.db.now();
    const o = this.opts();
    const active = this.db.tasks.filter(
      (t) => (t.state === TASK_STATES.ASSIGNED || t.state === TASK_STATES.OPEN) && t.host_id !== null,
    );
    const free = this.db.tasks
      .filter((t) => t.state === TASK_STATES.FREE)
      .sort((a, b) => a.priority - b.priority || a.create_time - b.create_time)
      .slice(0, 1000);
    const hosts = this.hosts(now);
    this.schedule(active, free, hosts, o);
    this.checkActiveTasks(active, hosts, now, o);
    return true;
  }

  /** `set_refusal`: remembers that a host refused (or must not get) a task. */
  setRefusal(hostId: number, taskId: number, soft: boolean, byHost: boolean, msg: string): void {
    const existing = this.db.refusals.find((r) => r.task_id === taskId && r.host_id === hostId);
    const data: Omit<RefusalRow, 'id'> = {
      task_id: taskId,
      host_id: hostId,
      soft,
      by_host: byHost,
      msg,
      time: this.db.now(),
    };
    if (existing) this.db.refusals.update(existing.id, data);
    else this.db.refusals.insert({ id: this.db.refusals.nextval(), ...data });
    this.logger.info({ taskId, hostId }, `Host refused task: ${msg}`);
  }

  /** `TaskScheduler.assign`: assigns and records the run; false when the task moved meanwhile. */
  assign(taskId: number, hostId: number, force = false, override = false): boolean {
    if (!this.tasks.lock(taskId, hostId, 'ASSIGNED', force)) {
      this.logger.info({ taskId, hostId }, 'Assignment failed');
      return false;
    }
    this.logger.debug({ taskId, hostId }, 'Assigning task');
    for (const run of this.db.taskRuns.filter((r) => r.task_id === taskId && r.active)) {
      this.db.taskRuns.update(run.id, { active: false });
    }
    if (!override) {
      this.db.taskRuns.insert({
        id: this.db.taskRuns.nextval(),
        task_id: taskId,
        host_id: hostId,
        active: true,
        create_time: this.db.now(),
      });
    }
    return true;
  }

  private checkTs(): boolean {
    const now = this.db.now();
    const delta = now - this.db.schedulerLastRun;
    if (delta >= 0 && delta < this.opts().runInterval) return false;
    this.db.setSchedulerLastRun(now);
    return delta >= 0;
  }

  private hosts(now: number): Map<number, SchedHost> {
    const o = this.opts();
    const enabledChannels = new Set(this.db.channels.filter((c) => c.enabled).map((c) => c.id));
    const out = new Map<number, SchedHost>();
    for (const row of this.db.hosts.filter((h) => h.enabled)) {
      let ready = row.ready;
      if (ready && (row.update_time === null || now - row.update_time > o.readyTimeout)) {
        this.logger.info({ hostId: row.id }, 'Marking host not ready');
        this.db.hosts.update(row.id, { ready: false });
        ready = false;
      }
      const maxjobs = Number(row.data?.maxjobs) || o.maxJobs;
      out.set(row.id, {
        row: { ...row, channels: row.channels.filter((c) => enabledChannels.has(c)) },
        ready,
        load: 0,
        ntasks: 0,
        demand: 0,
        maxjobs,
        rank: 0,
      });
    }
    return out;
  }

  private schedule(
    active: Readonly<TaskRow>[],
    free: Readonly<TaskRow>[],
    hosts: Map<number, SchedHost>,
    o: HubOptions,
  ): void {
    for (const t of active) {
      const h = hosts.get(t.host_id!);
      if (!h) continue;
      if (!t.waiting) h.load += t.weight;
      h.ntasks += 1;
    }
    const byBin = new Map<string, SchedHost[]>();
    for (const h of hosts.values()) {
      for (const chan of h.row.channels) {
        for (const arch of [...h.row.arches.split(/\s+/).filter(Boolean), 'noarch']) {
          const key = `${chan}:${arch}`;
          byBin.set(key, [...(byBin.get(key) ?? []), h]);
        }
      }
    }
    const refusals = this.refusals(o);
    const tasks: FreeTask[] = free.map((row) => ({ row, bin: `${row.channel_id}:${row.arch}`, hosts: [] }));
    for (const task of tasks) {
      const minAvail = Math.max(0, task.row.weight - o.capacityOvercommit);
      const refused = refusals.get(task.row.id) ?? new Set<number>();
      task.hosts = (byBin.get(task.bin) ?? []).filter(
        (h) =>
          h.ready && h.ntasks < h.maxjobs && h.row.capacity - h.load > minAvail && !refused.has(h.row.id),
      );
      for (const h of task.hosts) h.demand += task.row.weight / task.hosts.length;
    }
    const total = [...hosts.values()].reduce((sum, h) => sum + h.demand, 0);
    for (const h of hosts.values()) {
      if (total > 0) h.demand /= total;
      h.rank = h.load + h.ntasks + h.demand;
    }
    for (const task of tasks) {
      const minAvail = Math.max(0, task.row.weight - o.capacityOvercommit);
      const choice = [...task.hosts]
        .sort((a, b) => a.rank - b.rank)
        .find((h) => h.row.capacity - h.load > minAvail && h.ntasks < h.maxjobs);
      if (!choice) continue;
      if (!this.assign(task.row.id, choice.row.id)) continue;
      choice.load += task.row.weight;
      choice.ntasks += 1;
      choice.rank = choice.load + choice.ntasks + choice.demand;
    }
  }

  private refusals(o: HubOptions): Map<number, Set<number>> {
    const cutoff = this.db.now() - o.softRefusalTimeout;
    const out = new Map<number, Set<number>>();
    for (const r of this.db.refusals.all()) {
      const state = this.db.tasks.get(r.task_id)?.state;
      const live = state === TASK_STATES.FREE || state === TASK_STATES.OPEN || state === TASK_STATES.ASSIGNED;
      if ((r.soft && r.time < cutoff) || !live) {
        this.db.refusals.delete(r.id);
        continue;
      }
      out.set(r.task_id, (out.get(r.task_id) ?? new Set()).add(r.host_id));
    }
    return out;
  }

  private checkActiveTasks(
    active: Readonly<TaskRow>[],
    hosts: Map<number, SchedHost>,
    now: number,
    o: HubOptions,
  ): void {
    for (const t of active) {
      const host = hosts.get(t.host_id!);
      if (!host) continue;
      const runs = this.db.taskRuns.filter((r) => r.task_id === t.id && r.active);
      if (runs.length === 0) continue; // an override assignment: left alone
      const firstRun = Math.min(...runs.map((r) => r.create_time));
      const hostTs = this.db.hosts.get(host.row.id)?.update_time ?? null;
      if (t.state === TASK_STATES.ASSIGNED && now - firstRun > o.assignTimeout) {
        if (hostTs !== null && hostTs > firstRun)
          this.setRefusal(host.row.id, t.id, true, false, 'assignment timeout');
        this.logger.info({ taskId: t.id, hostId: host.row.id }, 'Task assignment timeout');
        this.tasks.free(t.id);
      } else if (t.state === TASK_STATES.OPEN) {
        const age = now - (hostTs ?? firstRun);
        if (age > o.hostTimeout) {
          this.logger.info({ taskId: t.id, hostId: host.row.id }, 'Freeing task from unresponsive host');
          this.tasks.free(t.id);
        }
      }
    }
    for (const run of this.db.taskRuns.filter((r) => r.active)) {
      const state = this.db.tasks.get(run.task_id)?.state;
      if (state !== TASK_STATES.OPEN && state !== TASK_STATES.ASSIGNED)
        this.db.taskRuns.update(run.id, { active: false });
    }
  }
}
