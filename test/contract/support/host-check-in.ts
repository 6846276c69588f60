import type { KojiClient, KojiValue } from '@koji-farm/koji';

export type AssignedTask = Record<string, KojiValue> & { id: number };

/** What a check-in reports: `host.updateHost(load, ready=True, data)`. */
export interface CheckInOptions {
  load?: number;
  data?: Record<string, KojiValue>;
}

/**
 * The hub's time as a host sees it: the scheduler's RunInterval and how a host waits
 * between check-ins (a real pause against a real hub; against the simulator, its
 * manual clock moves on instead, so nothing sleeps).
 */
export interface HubPace {
  runIntervalMs: number;
  nowMs(): number;
  pause(ms: number): Promise<void>;
}

/** How many RunIntervals a host checks in for before it concludes its task will not come. */
const PATIENCE_RUN_INTERVALS = 3;
/** Check-ins per RunInterval (kojid checks in every `sleeptime`; this is quicker). */
const CHECK_INS_PER_RUN_INTERVAL = 4;

/**
 * A build host's check-in loop (kojid's `TaskManager.updateTasks` + `getNextTask`):
 * `host.updateHost` then `host.getTasks`, again and again. The hub's scheduler runs
 * inside `host.getTasks` only when RunInterval has passed since its last run (hub-wide)
 * and only for a host with no ASSIGNED task (it then answers those instead), so one
 * check-in proves nothing: a test checks in until its task comes or a run must have
 * happened.
 *
 * Tasks assigned to the host that the test did not make (left over by an earlier run
 * on a real hub) are refused for good (`refuseTask(soft=False)`): they would keep the
 * scheduler from ever running for this host.
 */
export class HostCheckIn {
  constructor(
    private readonly pace: HubPace,
    private readonly isForeign: (taskId: number) => boolean,
  ) {}

  /** One check-in: what `host.getTasks` answers now. */
  async once(host: KojiClient, options: CheckInOptions = {}): Promise<AssignedTask[]> {
    await host.call('host.updateHost', [options.load ?? 0, true, options.data ?? { maxjobs: 10 }]);
    return host.call<AssignedTask[]>('host.getTasks');
  }

  /**
   * Checks in until every task of `want` is assigned to the host; returns that answer.
   * Fails after about three RunIntervals, or at once when the host holds other
   * assigned tasks of this test (the scheduler will not run for it until they are
   * opened or refused).
   */
  async until(
    host: KojiClient,
    want: readonly number[],
    options: CheckInOptions = {},
  ): Promise<AssignedTask[]> {
    const deadline = this.pace.nowMs() + PATIENCE_RUN_INTERVALS * this.pace.runIntervalMs;
    for (;;) {
      const tasks = await this.withoutForeign(host, await this.once(host, options));
      const ids = tasks.map((t) => t.id);
      if (want.every((id) => ids.includes(id))) return tasks;
      if (tasks.length > 0) {
        throw new Error(
          `task(s) ${want.join(', ')} not assigned: the host holds assigned task(s) ${ids.join(', ')}, ` +
            'so the scheduler does not run for it',
        );
      }
      if (this.pace.nowMs() >= deadline) {
        throw new Error(
          `task(s) ${want.join(', ')} not assigned within ${PATIENCE_RUN_INTERVALS} RunIntervals ` +
            `(${PATIENCE_RUN_INTERVALS * this.pace.runIntervalMs} ms)`,
        );
      }
      await this.pace.pause(this.step());
    }
  }

  /**
   * Checks in until the scheduler must have run for this host at least once (a little
   * more than one RunInterval), or until something is assigned; returns the last
   * answer. For tests that expect a task NOT to be given to the host.
   */
  async throughARun(host: KojiClient, options: CheckInOptions = {}): Promise<AssignedTask[]> {
    const until = this.pace.nowMs() + this.pace.runIntervalMs + this.step();
    for (;;) {
      const tasks = await this.withoutForeign(host, await this.once(host, options));
      if (tasks.length > 0 || this.pace.nowMs() >= until) return tasks;
      await this.pace.pause(this.step());
    }
  }

  private step(): number {
    return this.pace.runIntervalMs / CHECK_INS_PER_RUN_INTERVAL;
  }

  private async withoutForeign(host: KojiClient, tasks: AssignedTask[]): Promise<AssignedTask[]> {
    const mine: AssignedTask[] = [];
    for (const task of tasks) {
      if (this.isForeign(task.id)) {
        await host.call('host.refuseTask', [
          task.id,
          false,
          'koji-farm contract tests: not a task of this test',
        ]);
      } else {
        mine.push(task);
      }
    }
    return mine;
  }
}
