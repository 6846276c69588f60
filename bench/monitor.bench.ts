/**
 * `npm run bench -- monitor [--events 100000] [--tasks 100000] [--rate 2000] [--clients 50] [--seconds 15]
 *   [--node-options '--max-old-space-size=160']`
 *
 * The monitor (its webpack bundle, as a separate process, real RabbitMQ stream queue and
 * real Redis) against the goals:
 *   1. fold rate of one replica: the stream is filled with --events generated farm events
 *      first, then the monitor reads it from the start;
 *   2. REST `GET /api/v1/tasks` latency with --tasks more tasks written into the registry;
 *   3. WebSocket delivery latency (event time → client) at --rate events/s to --clients clients;
 *   4. the monitor's resident memory (peak, sampled every 100 ms over all of the above).
 */
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { amqpTopology, type FarmEvent } from '@koji-farm/contracts';
import { AmqpConnection } from '@koji-farm/messaging';
import { deleteKeys, testKeyPrefix } from '../test/monitor/support/monitor-harness';
import { deleteTopology, testNamespace } from '../test/support/amqp';
import { declareStream } from '../test/monitor/support/event-publisher';
import { generateScenario } from '../test/monitor/support/farm-scenario';
import {
  fillStream,
  LatencyClients,
  liveEvent,
  publishPaced,
  quantile,
  seedTasks,
  timeRequests,
} from './support/monitor-load';
import { ensureMonitorBundle, MonitorProcess } from './support/monitor-process';
import { table } from './support/stats';

const GOALS = { foldRate: 10_000, wsP99: 50, restP99: 20, rssMb: 200 };
/** How the monitor is meant to be run (docs/adr/0044-monitor-memory.md); `--node-options ''` shows it uncapped. */
const MONITOR_NODE_OPTIONS = '--max-old-space-size=160';

interface Options {
  events: number;
  tasks: number;
  rate: number;
  clients: number;
  seconds: number;
  /** NODE_OPTIONS of the monitor process. */
  nodeOptions: string;
}

function readOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== 'monitor'),
    strict: false,
    options: {
      events: { type: 'string', default: '100000' },
      tasks: { type: 'string', default: '100000' },
      rate: { type: 'string', default: '2000' },
      clients: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '15' },
      'node-options': { type: 'string', default: MONITOR_NODE_OPTIONS },
    },
  });
  return {
    events: Number(values.events),
    tasks: Number(values.tasks),
    rate: Number(values.rate),
    clients: Number(values.clients),
    seconds: Number(values.seconds),
    nodeOptions: String(values['node-options']),
  };
}

const log = (line: string) => console.log(`[monitor bench] ${line}`);
const ms = (n: number) => `${n.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** About `count` events of a realistic farm: heartbeats, tasks with steps, containers and logs. */
function farmEvents(count: number): FarmEvent[] {
  const perTask = generateScenario({ tasks: 6, logLines: 40 }).events.length / 6;
  const scenario = generateScenario({ tasks: Math.ceil(count / perTask), logLines: 40, firstTaskId: 100 });
  return [...scenario.events.slice(0, count - 1), scenario.sentinel];
}

async function waitUntilFolded(
  monitor: MonitorProcess,
  last: number,
): Promise<{ start: number; end: number; from: number }> {
  let start = 0;
  let from = 0;
  for (;;) {
    const offset = await monitor.foldedOffset();
    if (offset !== null && start === 0) {
      start = performance.now();
      from = offset;
    }
    if (offset !== null && offset >= last) return { start, end: performance.now(), from };
    await delay(50);
  }
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const options = readOptions(argv);
  const bundle = ensureMonitorBundle(log);
  const namespace = testNamespace('bench-monitor');
  const keyPrefix = testKeyPrefix('bench-monitor');
  const names = amqpTopology(namespace);
  const amqp = await AmqpConnection.connect({
    url: 'amqp://guest:guest@127.0.0.1:5672',
    connectionName: 'bench-monitor',
  });
  const redis = new Redis('redis://127.0.0.1:6379', { keyPrefix });
  let monitor: MonitorProcess | undefined;
  const rows: string[][] = [];
  try {
    // 1. Fold rate.
    const events = farmEvents(options.events);
    await declareStream(amqp, names);
    log(`filling the stream with ${events.length} events...`);
    await fillStream(amqp, names, events);
    log('starting the monitor on the filled stream...');
    monitor = await MonitorProcess.start(bundle, {
      AMQP_NAMESPACE: namespace,
      REDIS_KEY_PREFIX: keyPrefix,
      // As declareStream declared it: a stream queue's arguments cannot change.
      MONITOR_EVENTS_LOG_MAX_BYTES: String(200 * 1024 * 1024),
      MONITOR_EVENTS_LOG_MAX_AGE: '1h',
      NODE_OPTIONS: options.nodeOptions,
    });
    log(`monitor running with NODE_OPTIONS="${options.nodeOptions}"`);
    const folded = await waitUntilFolded(monitor, events.length - 1);
    const foldRate = (events.length - 1 - folded.from) / ((folded.end - folded.start) / 1000);
    log(
      `folded ${events.length} events; ${foldRate.toFixed(0)} events/s; RSS peak ${mb(monitor.takePeak())}`,
    );
    rows.push([
      'fold rate, one replica',
      `${foldRate.toFixed(0)} events/s`,
      `≥ ${GOALS.foldRate} events/s`,
      pass(foldRate >= GOALS.foldRate),
    ]);

    // 2. REST tasks with 100,000 more tasks in the registry.
    log(`writing ${options.tasks} tasks into the registry...`);
    await seedTasks(redis, keyPrefix, 1_000_000, options.tasks);
    const mid = 1_000_000 + Math.floor(options.tasks / 2);
    const paths = [
      '/api/v1/tasks',
      '/api/v1/tasks?limit=200',
      '/api/v1/tasks?state=running',
      '/api/v1/tasks?state=closed&method=buildArch',
      '/api/v1/tasks?executor=exec-7&state=failed',
      `/api/v1/tasks?cursor=${mid}&limit=100`,
      '/api/v1/tasks?method=createrepo&limit=100',
    ];
    await timeRequests(monitor.url, paths, 100);
    const timed = await timeRequests(monitor.url, paths, 2100);
    for (const [i, path] of paths.entries()) {
      const own = timed.filter((_, n) => n % paths.length === i).sort((a, b) => a - b);
      log(`  ${path}: p50 ${ms(quantile(own, 0.5))}, p99 ${ms(quantile(own, 0.99))}`);
    }
    const rest = [...timed].sort((a, b) => a - b);
    log(`REST p90 ${ms(quantile(rest, 0.9))}, max ${ms(rest.at(-1)!)}; RSS peak ${mb(monitor.takePeak())}`);
    rows.push(['REST tasks p50', ms(quantile(rest, 0.5)), '', '']);
    rows.push([
      `REST tasks p99 (${options.tasks}+ tasks)`,
      ms(quantile(rest, 0.99)),
      `≤ ${GOALS.restP99} ms`,
      pass(quantile(rest, 0.99) <= GOALS.restP99),
    ]);

    // 3. WebSocket delivery.
    log(`${options.clients} WebSocket clients, ${options.rate} events/s for ${options.seconds} s...`);
    const clients = await LatencyClients.connect(monitor.url.replace('http', 'ws'), options.clients, '');
    const sent = await publishPaced(amqp, names, options.rate, options.seconds, liveEvent);
    const expected = sent * options.clients;
    const deadline = Date.now() + 30_000;
    while (clients.samples.length < expected && Date.now() < deadline) await delay(100);
    const ws = [...clients.samples].sort((a, b) => a - b);
    const dropped = clients.dropped;
    clients.close();
    log(`${sent} events published, ${ws.length}/${expected} deliveries, ${dropped} clients dropped`);
    log(
      `WebSocket p90 ${ms(quantile(ws, 0.9))}, p95 ${ms(quantile(ws, 0.95))}, max ${ms(ws.at(-1)!)}; RSS peak ${mb(monitor.takePeak())}`,
    );
    rows.push([`WebSocket p50 (${options.rate}/s × ${options.clients})`, ms(quantile(ws, 0.5)), '', '']);
    rows.push([
      `WebSocket p99 (${options.rate}/s × ${options.clients})`,
      ms(quantile(ws, 0.99)),
      `≤ ${GOALS.wsP99} ms`,
      pass(quantile(ws, 0.99) <= GOALS.wsP99 && ws.length === expected),
    ]);

    // 4. Memory.
    const rssMb = monitor.peak / 1024 / 1024;
    log(`RSS now ${mb(monitor.rss())}`);
    rows.push([
      'monitor RSS, peak',
      `${rssMb.toFixed(0)} MB`,
      `≤ ${GOALS.rssMb} MB`,
      pass(rssMb <= GOALS.rssMb),
    ]);
    console.log(`\n${table(['measure', 'result', 'goal', ''], rows)}\n`);
  } finally {
    await monitor?.stop().catch(() => undefined);
    redis.disconnect();
    await deleteTopology(amqp, names).catch(() => undefined);
    await deleteKeys(keyPrefix).catch(() => undefined);
    await amqp.close();
  }
}

function pass(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
