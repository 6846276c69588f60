/**
 * `npm run bench -- executor-memory [--builds 10] [--seconds 30] [--chatter 20] [--node-options "..."]`
 *
 * The executor's resident memory (issue 14: 146 MB with 10 builds running when filed;
 * kojid holds about 120 MB in all at 10 tasks): one executor process, built as in
 * production (dist/apps/executor), with 10 slots on a farm of real parts (hub simulator,
 * RabbitMQ, Redis, Podman). Its RSS is sampled from /proc every 100 ms while it idles
 * for 10 s (the baseline) and while it runs N builds at once, each printing a tick and
 * `--chatter` compiler-like lines a second for `--seconds` (logs streamed to the hub and
 * as events, as real builds do). Prints baseline and peak side by side. Goal: peak ≤ 120 MB.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ReliabilityFarm } from '../test/reliability/support/reliability-farm';
import { buildTickingSrpm } from '../test/reliability/support/test-srpms';
import { ensureAppBundle } from './support/app-bundle';
import { table } from './support/stats';

const GOAL_MB = 120;
const IDLE_MS = 10_000;
const MB = 1024 * 1024;

interface Options {
  builds: number;
  seconds: number;
  chatter: number;
  nodeOptions?: string;
}

function readOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    options: {
      builds: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '30' },
      chatter: { type: 'string', default: '20' },
      'node-options': { type: 'string' },
    },
  });
  return {
    builds: Number(values.builds),
    seconds: Number(values.seconds),
    chatter: Number(values.chatter),
    nodeOptions: typeof values['node-options'] === 'string' ? values['node-options'] : undefined,
  };
}

/** A process's memory from /proc/<pid>/status, in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** Samples a process's RSS every 100 ms until stopped: the peak and the last value. */
class RssSampler {
  peak = 0;
  last = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 100);
    this.sample();
  }

  stop(): { peak: number; last: number } {
    clearInterval(this.timer);
    this.sample();
    return { peak: this.peak, last: this.last };
  }

  private sample(): void {
    const { rss } = memoryOf(this.pid);
    if (rss === 0) return;
    this.last = rss;
    this.peak = Math.max(this.peak, rss);
  }
}

export async function run(argv: string[]): Promise<boolean> {
  const options = readOptions(argv);
  const log = (line: string) => console.log(`executor-memory: ${line}`);
  ensureAppBundle('executor', log);
  ensureAppBundle('hub-poller', log);
  const farm = await ReliabilityFarm.start({ label: 'bench-exec-mem', appsFrom: 'dist' });
  try {
    const srpm = await buildTickingSrpm(
      join(farm.sim.dir, 'work'),
      'kf-tick-memory',
      options.seconds,
      options.chatter,
    );
    const events = await farm.events();
    const executor = await farm.startExecutor('mem-exec', {
      SLOTS: String(options.builds),
      LOG_LEVEL: 'info',
      ...(options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
    });
    await farm.startPoller('mem-poller');

    log(`idle for ${IDLE_MS / 1000} s...`);
    const idle = new RssSampler(executor.pid);
    await delay(IDLE_MS);
    const baseline = idle.stop();

    log(
      `${options.builds} builds of ${options.seconds} s, ${options.chatter} lines of chatter a second each...`,
    );
    const busy = new RssSampler(executor.pid);
    const ids = farm.submitBuildArch(srpm, options.builds);
    const allRunning = Promise.all(
      ids.map((id) =>
        events.waitFor(
          (e) => e.type === 'log.chunk' && e.taskId === id && e.data.includes('kf-tick-memory: tick 2 '),
          600_000,
          `task ${id} building`,
        ),
      ),
    );
    await allRunning;
    const atAllRunning = memoryOf(executor.pid).rss;
    await farm.waitForFinished(ids, 900_000);
    const loaded = busy.stop();
    const closed = ids.filter((id) => farm.taskState(id) === 2).length;
    await delay(5_000);
    const after = memoryOf(executor.pid);

    const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
    console.log(
      `\nexecutor RSS (dist bundle${options.nodeOptions ? `, NODE_OPTIONS="${options.nodeOptions}"` : ''}), ` +
        `${options.builds} builds at once, ${closed}/${ids.length} CLOSED\n`,
    );
    console.log(
      table(
        ['phase', 'RSS', 'peak RSS'],
        [
          [`idle ${IDLE_MS / 1000} s (baseline)`, mb(baseline.last), mb(baseline.peak)],
          [`${options.builds} builds running`, mb(atAllRunning), mb(loaded.peak)],
          ['5 s after the last closed', mb(after.rss), `${mb(after.hwm)} (VmHWM, since start)`],
        ],
      ),
    );
    const pass = loaded.peak <= GOAL_MB * MB && closed === ids.length;
    console.log(
      `\n[figure] executor-memory: idle ${mb(baseline.last)}, peak ${mb(loaded.peak)} with ${options.builds} builds running ` +
        `(goal ≤ ${GOAL_MB} MB): ${pass ? 'PASS' : 'FAIL'}`,
    );
    return pass;
  } finally {
    await farm.stop();
  }
}
