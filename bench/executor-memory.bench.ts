/**
 * `npm run bench -- executor-memory [--builds 10] [--seconds 30] [--chatter 20] [--node-options "..."]`
 *
 * The executor's resident memory (issue 14: 146 MB with 10 builds running when filed;
 * kojid holds about 120 MB in all at 10 tasks): one executor process, built as in
 * production (dist/apps/executor) and started with production's Node options
 * (APP_NODE_OPTIONS, as in docker-compose.yml; `--node-options` come after them), with
 * 10 slots on a farm of real parts (hub simulator, RabbitMQ, Redis, Podman). Its RSS is sampled from /proc every 100 ms while it idles
 * for 10 s (the baseline) and while it runs N builds at once, each printing a tick and
 * `--chatter` compiler-like lines a second for `--seconds` (logs streamed to the hub and
 * as events, as real builds do). Prints baseline and peak side by side. Goal: peak ≤ 120 MB.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { nodeOptionsFor } from '@koji-farm/config';
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
  /** Extra environment of the executor (`--env KEY=VALUE`, repeatable). */
  env: Record<string, string>;
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
      env: { type: 'string', multiple: true },
    },
  });
  return {
    builds: Number(values.builds),
    seconds: Number(values.seconds),
    chatter: Number(values.chatter),
    nodeOptions: typeof values['node-options'] === 'string' ? values['node-options'] : undefined,
    env: Object.fromEntries(
      (Array.isArray(values.env) ? values.env : [])
        .filter((pair): pair is string => typeof pair === 'string' && pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  };
}

/**
 * Preloaded into the executor (`-r`): a JSON line on stderr every 250 ms with its
 * process.memoryUsage(), so that the peak can be split into heap, external and buffers.
 */
const PROBE = `const t = setInterval(() => {
  process.stderr.write(JSON.stringify({ level: 30, msg: 'memory probe', ...process.memoryUsage() }) + '\\n');
}, 250);
t.unref();
`;

interface Breakdown {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
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

/**
 * Where a process's resident memory lies (/proc/<pid>/smaps): Rss summed per mapping
 * (a file, `[heap]`, `[stack]`, or `[anon]` for nameless ones such as V8's pages and
 * glibc's mmap'ed arenas), largest first.
 */
function residentByMapping(pid: number, top = 6): string {
  let smaps = '';
  try {
    smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return '(no smaps)';
  }
  const sums = new Map<string, number>();
  let current = '[anon]';
  for (const line of smaps.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = header[1].trim() || '[anon]';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) sums.set(current, (sums.get(current) ?? 0) + Number(rss[1]) * 1024);
  }
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => `${name.split('/').at(-1)} ${(bytes / MB).toFixed(1)}`)
    .join(', ');
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

function describe(b: Breakdown | undefined): string {
  if (!b) return '(no probe)';
  const mb = (n: number) => (n / MB).toFixed(1);
  return (
    `rss ${mb(b.rss)}, heap ${mb(b.heapUsed)} used of ${mb(b.heapTotal)}, ` +
    `external ${mb(b.external)} (array buffers ${mb(b.arrayBuffers)}), ` +
    `outside V8's accounting ${mb(b.rss - b.heapTotal - b.external)} MB`
  );
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
    const probe = join(farm.dir, 'memory-probe.js');
    writeFileSync(probe, PROBE);
    const executor = await farm.startExecutor('mem-exec', {
      SLOTS: String(options.builds),
      LOG_LEVEL: 'info',
      ...options.env,
      NODE_OPTIONS: `-r ${probe} ${options.nodeOptions ?? ''}`.trim(),
    });
    const probes = () =>
      executor.lines.filter((l) => l.msg === 'memory probe') as unknown as Array<
        Breakdown & { time?: number }
      >;
    await farm.startPoller('mem-poller');

    log(`idle for ${IDLE_MS / 1000} s...`);
    const idle = new RssSampler(executor.pid);
    await delay(IDLE_MS);
    const baseline = idle.stop();
    const idleMappings = residentByMapping(executor.pid);
    const idleProbes = probes().length;

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
    const busyMappings = residentByMapping(executor.pid);
    await farm.waitForFinished(ids, 900_000);
    const loaded = busy.stop();
    const closed = ids.filter((id) => farm.taskState(id) === 2).length;
    await delay(5_000);
    const after = memoryOf(executor.pid);

    const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
    const busyProbes = probes().slice(idleProbes);
    const atPeak = busyProbes.reduce((a, b) => (b.rss > a.rss ? b : a), busyProbes[0]);
    const idleProbe = probes()[idleProbes - 1];
    console.log(
      `\nexecutor RSS (dist bundle, NODE_OPTIONS="${nodeOptionsFor('executor', options.nodeOptions)}"` +
        `${Object.entries(options.env)
          .map(([k, v]) => `, ${k}=${v}`)
          .join('')}), ` +
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
    console.log(
      `\nprocess.memoryUsage(): idle ${describe(idleProbe)}\n` +
        `                      at the busy peak ${describe(atPeak)}`,
    );
    console.log(
      `resident by mapping (MB): idle ${idleMappings}\n                          all running ${busyMappings}`,
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
