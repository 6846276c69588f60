// The executor's overhead over the container work it drives: the same trivial
// buildArch-like sequence (create, 3 copies, 3 execs of `true`, copy out, remove) run
// N times by the executor (task message through RabbitMQ, subsession, step events, logs
// uploaded to the hub, closeTask, ack: timed from publish to the task.finished event) and
// N times as bare ContainerManager calls, interleaved, in one run. Goal: ratio ≤ 1.2.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ContainerManager } from '@koji-farm/container';

import {
  benchInputs,
  bareSequence,
  benchSpec,
  BENCH_METHOD,
  overheadBenchModule,
} from './support/executor-sequence';
import { ExecutorBenchFarm } from './support/executor-bench-farm';
import { since, summarize, table, type Summary } from './support/stats';

const GOAL = 1.2;
const BENCH_LABELS = { 'io.koji-farm.bench': 'true' };

function parseArgs(args: string[]): { rounds: number; warmup: number } {
  const value = (flag: string, fallback: number) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  return { rounds: value('--rounds', 20), warmup: value('--warmup', 2) };
}

export async function run(args: string[]): Promise<boolean> {
  const { rounds, warmup } = parseArgs(args);
  const dir = await mkdtemp(join(tmpdir(), 'kf-overhead-'));
  const inputs = await benchInputs(join(dir, 'inputs'));
  const containers = new ContainerManager({ defaultLabels: BENCH_LABELS });
  const farm = await ExecutorBenchFarm.start(dir, overheadBenchModule({ inputs, labels: BENCH_LABELS }));
  const viaExecutor: number[] = [];
  const inTask: number[] = [];
  const bare: number[] = [];
  try {
    await containers.ensureImage(benchSpec('x', 1, 1, {}).image, 'never');
    for (let round = -warmup; round < rounds; round++) {
      const executor = await farm.runTask(BENCH_METHOD);
      const start = performance.now();
      await bareSequence(
        containers,
        benchSpec('bench-bare', 1_000_000 + round + warmup, 1, BENCH_LABELS),
        inputs,
        join(dir, `bare-${round}`),
      );
      const bareMs = since(start);
      if (round < 0) continue;
      viaExecutor.push(executor.endToEndMs);
      inTask.push(executor.taskMs);
      bare.push(bareMs);
    }
  } finally {
    await farm.stop();
    containers.close();
    await rm(dir, { recursive: true, force: true });
  }

  const rows: Summary[] = [
    summarize('executor, publish → task.finished', viaExecutor),
    summarize('executor, task.received → finished', inTask),
    summarize('bare ContainerManager calls', bare),
  ];
  const fmt = (n: number) => n.toFixed(1);
  console.log(
    `\noverhead: ${rounds} rounds (+${warmup} warm-up), create + 3 copies + 3 execs of true + copy out + remove\n`,
  );
  console.log(
    table(
      ['variant', 'n', 'median ms', 'min ms', 'p90 ms', 'max ms'],
      rows.map((s) => [s.name, String(s.n), fmt(s.median), fmt(s.min), fmt(s.p90), fmt(s.max)]),
    ),
  );
  const ratio = rows[0].median / rows[2].median;
  const ratioInTask = rows[1].median / rows[2].median;
  console.log(
    `\nratio executor / bare (medians): ${ratio.toFixed(3)} end to end, ${ratioInTask.toFixed(3)} inside the task  (goal ≤ ${GOAL})`,
  );
  const met = ratio <= GOAL;
  console.log(met ? 'goal met' : 'goal NOT met');
  return met;
}
