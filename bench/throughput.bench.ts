/**
 * `npm run bench -- throughput [--sleeps 100] [--builds 20] [--run-interval 5]`
 *
 * Tasks per minute through the whole farm (the real hub-poller and executors, RabbitMQ,
 * Redis, Podman) against the hub simulator with the hub's RunInterval at 5 s: `sleep(0)`
 * tasks, then scratch builds of the sample package (a `build` parent, its `rebuildSRPM`
 * and `buildArch` children each), then `newRepo` of the sample build tag (s to READY).
 *
 * farm:     2 executors, each 4 container slots and 40 parent slots (maxjobs 88), POLL_INTERVAL 1 s
 * baseline: kojid's shape: 1 executor taking at most 10 tasks per scheduler run
 *           (maxjobs 10: 5 container + 5 parent slots), polling again at once while busy
 *           (POLL_INTERVAL 1 s; kojid re-polls without sleeping when it took a task)
 * Goal: the farm runs ≥ 4× the baseline's sleep tasks per minute.
 *
 * The baseline's builds are submitted with at most 5 in flight: on a hub whose only host
 * reports maxjobs 10, 20 queued builds deadlock (the scheduler counts waiting parents
 * against maxjobs, so 10 parents take every job and their children are never assigned;
 * kojid alone on a hub does the same). The farm gets all 20 at once: its parents wait in
 * their own slots.
 */
import { parseArgs } from 'node:util';
import { TASK_STATES } from '../test/koji-hub-sim';
import { OrchestrationFarm } from '../test/orchestration/support/orchestration-farm';
import { table } from './support/stats';

const GOAL_RATIO = 4;

interface Shape {
  name: string;
  executors: number;
  slots: number;
  orchestrationSlots: number;
  /** Builds in flight at most. */
  buildWindow: number;
}

const FARM: Shape = {
  name: 'koji-farm (2 executors, maxjobs 88)',
  executors: 2,
  slots: 4,
  orchestrationSlots: 40,
  buildWindow: Infinity,
};
const BASELINE: Shape = {
  name: 'baseline (1 process, maxjobs 10)',
  executors: 1,
  slots: 5,
  orchestrationSlots: 5,
  buildWindow: 5,
};

interface Figures {
  sleepsPerMin: number;
  sleepSeconds: number;
  buildsPerMin: number;
  buildTasksPerMin: number;
  buildSeconds: number;
  newRepoSeconds: number;
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<boolean> {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== 'throughput'),
    strict: false,
    options: {
      sleeps: { type: 'string', default: '100' },
      builds: { type: 'string', default: '20' },
      'run-interval': { type: 'string', default: '5' },
    },
  });
  const work = {
    sleeps: Number(values.sleeps),
    builds: Number(values.builds),
    runIntervalMs: Number(values['run-interval']) * 1000,
  };
  const results: Array<[Shape, Figures]> = [];
  for (const shape of [BASELINE, FARM]) {
    console.error(`running ${shape.name} ...`);
    results.push([shape, await measure(shape, work)]);
  }
  const [[, base], [, farm]] = results;
  const ratio = farm.sleepsPerMin / base.sleepsPerMin;
  const f = (n: number) => n.toFixed(1);
  console.log(
    `\nthroughput: ${work.sleeps} sleep(0) tasks, then ${work.builds} scratch builds; hub RunInterval ${work.runIntervalMs / 1000} s\n`,
  );
  console.log(
    table(
      ['variant', 'sleep tasks/min', 'sleeps took s', 'builds/min', 'build tasks/min', 'builds took s'],
      results.map(([s, r]) => [
        s.name,
        f(r.sleepsPerMin),
        f(r.sleepSeconds),
        f(r.buildsPerMin),
        f(r.buildTasksPerMin),
        f(r.buildSeconds),
      ]),
    ),
  );
  console.log(`\nsleep tasks/min, farm / baseline: ${ratio.toFixed(2)}× (goal ≥ ${GOAL_RATIO}×)`);
  console.log(`builds/min, farm / baseline: ${(farm.buildsPerMin / base.buildsPerMin).toFixed(2)}×\n`);
  console.log(
    table(
      ['variant', 'newRepo of the sample build tag: s to READY'],
      results.map(([s, r]) => [s.name, f(r.newRepoSeconds)]),
    ),
  );
  return ratio >= GOAL_RATIO;
}

async function measure(
  shape: Shape,
  work: { sleeps: number; builds: number; runIntervalMs: number },
): Promise<Figures> {
  const farm = await OrchestrationFarm.start('bench-throughput', {
    runIntervalMs: work.runIntervalMs,
    seed: { host: { name: 'kf-builder', password: 'kf-builder', arches: 'x86_64', capacity: 1000 } },
    pollerEnv: { POLL_INTERVAL: '1' },
    logLevel: 'warn',
  });
  try {
    for (let i = 1; i <= shape.executors; i++) {
      await farm.startExecutor(`bench-${i}`, {
        SLOTS: String(shape.slots),
        ORCHESTRATION_SLOTS: String(shape.orchestrationSlots),
        ORCHESTRATION_POLL_MS: '1000',
        LOG_LEVEL: 'warn',
      });
    }
    await waitForCapacity(farm, shape);

    console.error(`  ${shape.name}: ${work.sleeps} sleeps`);
    const sleepStart = Date.now();
    const sleeps = await Promise.all(
      Array.from({ length: work.sleeps }, () => farm.user.makeTask('sleep', [0])),
    );
    await allClosed(farm, sleeps);
    const sleepSeconds = (Date.now() - sleepStart) / 1000;

    console.error(`  ${shape.name}: ${work.builds} builds`);
    const buildStart = Date.now();
    const builds: number[] = [];
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < work.builds; i++) {
      if (inFlight.size >= shape.buildWindow) await Promise.race(inFlight);
      const id = await farm.build(farm.seed.srpms.hello, { scratch: true });
      builds.push(id);
      const done: Promise<void> = allClosed(farm, [id]).finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
    await Promise.all(inFlight);
    const buildSeconds = (Date.now() - buildStart) / 1000;
    let buildTasks = builds.length;
    for (const id of builds) buildTasks += (await farm.children(id)).length;

    console.error(`  ${shape.name}: newRepo`);
    const repoStart = Date.now();
    const newRepo = await farm.user.newRepo(farm.seed.buildTag);
    await allClosed(farm, [newRepo]);
    const [repoId] = await farm.user.taskResult<[number, number]>(newRepo);
    if (!(await farm.user.repoIsReady(repoId))) throw new Error(`repo ${repoId} is not READY`);
    const newRepoSeconds = (Date.now() - repoStart) / 1000;

    return {
      sleepsPerMin: (work.sleeps / sleepSeconds) * 60,
      sleepSeconds,
      buildsPerMin: (work.builds / buildSeconds) * 60,
      buildTasksPerMin: (buildTasks / buildSeconds) * 60,
      buildSeconds,
      newRepoSeconds,
    };
  } finally {
    await farm.stop();
  }
}

/** The poller has heard every executor's slots before the clock starts. */
async function waitForCapacity(farm: OrchestrationFarm, shape: Shape): Promise<void> {
  const maxjobs = shape.executors * (shape.slots + shape.orchestrationSlots);
  await farm.until(
    () => {
      const host = farm.sim!.services.db.hosts.find((h) => h.name === 'kf-builder');
      const data = host?.data as { maxjobs?: number } | null | undefined;
      return data?.maxjobs === maxjobs;
    },
    60_000,
    `the poller reported maxjobs ${maxjobs}`,
  );
}

async function allClosed(farm: OrchestrationFarm, ids: readonly number[]): Promise<void> {
  for (const id of ids) {
    const state = await farm.settled(id, 1_800_000);
    if (state !== TASK_STATES.CLOSED)
      throw new Error(`task ${id} ended in state ${state}: ${await farm.user.taskFailure(id)}`);
  }
}
