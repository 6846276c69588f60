/**
 * `npm run bench -- pickup [--tasks 50] [--slots 50] [--run-interval 1] [--poll-interval 1]`
 *
 * How fast the hub-poller hands tasks to the farm: the hub simulator (RunInterval 1 s)
 * gets N buildArch tasks at once; a real poller (POLL_INTERVAL 1 s, real RabbitMQ and
 * Redis) takes them; a consumer on the task queue records when each message arrives and
 * closes the task on the hub, as an executor would, freeing its slot. Prints, per task,
 * the time from the hub assigning it (the scheduler's task_run) to its message being
 * delivered, and from its creation to delivery, next to kojid's figure for its 15 s
 * sleeptime. Goal: assigned → delivered p95 ≤ 2 s.
 */
import { parseArgs } from 'node:util';
import { type TaskMessage } from '@koji-farm/contracts';
import { type Collector, watchTaskQueue } from '../test/hub-poller/support/message-watchers';
import { PollerTestBed } from '../test/hub-poller/support/poller-test-bed';
import { closeEachTask } from './support/poller-closing-consumer';
import { kojidPickup, seconds, summarize, type Summary } from './support/poller-stats';

const KOJID_SLEEPTIME_MS = 15_000;
const GOAL_P95_MS = 2_000;

interface Options {
  tasks: number;
  slots: number;
  runIntervalS: number;
  pollIntervalS: number;
}

function readOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== 'pickup'),
    strict: false,
    options: {
      tasks: { type: 'string', default: '50' },
      slots: { type: 'string', default: '50' },
      'run-interval': { type: 'string', default: '1' },
      'poll-interval': { type: 'string', default: '1' },
    },
  });
  return {
    tasks: Number(values.tasks),
    slots: Number(values.slots),
    runIntervalS: Number(values['run-interval']),
    pollIntervalS: Number(values['poll-interval']),
  };
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<boolean> {
  const options = readOptions(argv);
  const bed = await PollerTestBed.create({ hub: { runIntervalMs: options.runIntervalS * 1000 } });
  let finishCloses: (() => Promise<void>) | undefined;
  try {
    await bed.startExecutor({ slots: options.slots, methods: ['buildArch'], intervalMs: 1000 });
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    finishCloses = closeEachTask(queue, (err) => console.error('closing a task failed:', err));
    const poller = await bed.startPoller({ POLL_INTERVAL: String(options.pollIntervalS), LOG_LEVEL: 'info' });
    await poller.logs.waitForMessage('became the leader');

    const createdAt = new Map<number, number>();
    for (let i = 0; i < options.tasks; i++) {
      const id = bed.makeTask('buildArch', 'x86_64', [`pkg-${i}.src.rpm`, 'f40-build', 'x86_64', false, {}]);
      createdAt.set(id, Date.now());
    }
    const started = Date.now();
    await queue.waitForCount(options.tasks, 60_000 + options.tasks * 2_000);
    const wallMs = Date.now() - started;

    const { assigned, created } = latencies(bed, queue, createdAt);
    report(options, assigned, created, wallMs);
    return assigned.p95 <= GOAL_P95_MS;
  } finally {
    await finishCloses?.();
    await bed.close();
  }
}

/** Per task: first delivery minus the hub's assignment (task_run.create_time) and minus creation. */
function latencies(bed: PollerTestBed, queue: Collector<TaskMessage>, createdAt: Map<number, number>) {
  const delivered = new Map<number, number>();
  for (const item of queue.items)
    if (!delivered.has(item.body.taskId)) delivered.set(item.body.taskId, item.at);
  const assigned: number[] = [];
  const created: number[] = [];
  for (const [id, at] of delivered) {
    const runs = bed.hub.services.db.taskRuns.filter((r) => r.task_id === id);
    const firstRun = Math.min(...runs.map((r) => r.create_time)) * 1000;
    assigned.push(at - firstRun);
    created.push(at - createdAt.get(id)!);
  }
  return { assigned: summarize(assigned), created: summarize(created) };
}

function report(options: Options, assigned: Summary, created: Summary, wallMs: number): void {
  const kojid = kojidPickup(KOJID_SLEEPTIME_MS);
  const line = (label: string, s: Pick<Summary, 'p50' | 'p95' | 'max'>) =>
    `  ${label.padEnd(44)} p50 ${seconds(s.p50).padStart(8)}   p95 ${seconds(s.p95).padStart(8)}   max ${seconds(s.max).padStart(8)}`;
  console.log(
    [
      '',
      `pickup: ${options.tasks} buildArch tasks, ${options.slots} slots, hub RunInterval ${options.runIntervalS} s, POLL_INTERVAL ${options.pollIntervalS} s`,
      line('hub assigned → message delivered (koji-farm)', assigned),
      line('task created → message delivered (koji-farm)', created),
      line(`kojid, created → taken (sleeptime ${KOJID_SLEEPTIME_MS / 1000} s, model)`, kojid),
      `  all ${options.tasks} delivered in ${seconds(wallMs)}`,
      `  goal: assigned → delivered p95 ≤ ${seconds(GOAL_P95_MS)}: ${assigned.p95 <= GOAL_P95_MS ? 'met' : 'NOT met'}`,
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  run().then(
    (met) => process.exit(met ? 0 : 1),
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}

export default run;
