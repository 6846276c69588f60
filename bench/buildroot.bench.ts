// Buildroots (issue 11): the same SRPM (kf-hello) built by buildArch in a clean root from
// scratch (cold: group install of kf-rootfs and the markers), in a clean root started
// from its snapshot (warm), and in image mode (the image is the buildroot, marker groups),
// N rounds each, interleaved, in one run. Measured from the task events: task.received →
// step.started of rpmbuild ("to rpmbuild") and the whole task (task.finished's duration).
// Goals: warm ≥ 10× faster than cold to rpmbuild, warm within 1.5× of image mode for the
// whole task.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { type FarmEvent } from '@koji-farm/contracts';

import { TestFarm } from '../test/executor/support/test-farm';
import { summarize, table, type Summary } from './support/stats';

const exec = promisify(execFile);
const RPMBUILD_STEP = 'exec rpmbuild --rebuild';

function parseArgs(args: string[]): { rounds: number } {
  const i = args.indexOf('--rounds');
  return { rounds: i >= 0 ? Number(args[i + 1]) : 10 };
}

interface Mode {
  name: string;
  farm: TestFarm;
  toRpmbuild: number[];
  task: number[];
  /** Per step name, the durations of the steps before rpmbuild (step.finished's durationMs). */
  steps: Map<string, number[]>;
  /** The events of the last round up to rpmbuild, with their offsets from task.received. */
  timeline: string[];
}

async function buildOnce(
  mode: Mode,
): Promise<{ toRpmbuildMs: number; taskMs: number; steps: Array<[string, number]>; timeline: string[] }> {
  const { farm } = mode;
  const message = await farm.buildArchTask(farm.seed.srpms.hello, { keepSrpm: false });
  await farm.publish(message);
  const finished = await farm.events.finished(message.taskId, 600_000);
  if (finished.state !== 'closed')
    throw new Error(
      `${mode.name}: task ${message.taskId} ended ${finished.state}: ${finished.error?.message}`,
    );
  const events = farm.events.ofTask(message.taskId, 1) as FarmEvent[];
  const at = (pick: (e: FarmEvent) => boolean) => {
    const e = events.find(pick);
    if (!e) throw new Error(`${mode.name}: event missing in task ${message.taskId}`);
    return Date.parse(e.at);
  };
  const received = at((e) => e.type === 'task.received');
  const rpmbuild = at((e) => e.type === 'step.started' && e.name === RPMBUILD_STEP);
  const steps = events
    .filter((e) => e.type === 'step.finished' && Date.parse(e.at) <= rpmbuild)
    .map((e) => {
      const step = e as { name: string; durationMs: number };
      return [step.name, step.durationMs] as [string, number];
    });
  const timeline = events
    .filter((e) => Date.parse(e.at) <= rpmbuild)
    .map((e) => {
      const what =
        'name' in e ? `${e.type} ${String(e.name)}` : 'state' in e ? `${e.type} ${String(e.state)}` : e.type;
      return `${String(Date.parse(e.at) - received).padStart(6)} ms  ${what}`;
    });
  return { toRpmbuildMs: rpmbuild - received, taskMs: finished.durationMs, steps, timeline };
}

export async function run(args: string[]): Promise<boolean> {
  const { rounds } = parseArgs(args);
  const snapshotRepo = `localhost/kf-bench-snapshot-${process.pid}`;
  const farms: TestFarm[] = [];
  const modes: Mode[] = [];
  try {
    const start = async (name: string, distribution: 'rootfs' | 'markers', env: Record<string, string>) => {
      const farm = await TestFarm.start(`bench-${name}`, { distribution });
      farms.push(farm);
      await farm.startExecutor(`bench-${name}`, { LOG_LEVEL: 'warn', SLOTS: '1', ...env });
      modes.push({ name, farm, toRpmbuild: [], task: [], steps: new Map(), timeline: [] });
    };
    await start('cold', 'rootfs', { BUILDROOT_MODE: 'clean', BUILDROOT_SNAPSHOTS: 'false' });
    await start('warm', 'rootfs', {
      BUILDROOT_MODE: 'clean',
      BUILDROOT_SNAPSHOTS: 'true',
      SNAPSHOT_REPO: snapshotRepo,
    });
    await start('image', 'markers', { BUILDROOT_MODE: 'image' });
    // one warm-up build per mode (the warm one makes its snapshot)
    for (const mode of modes) await buildOnce(mode);
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        const r = await buildOnce(mode);
        mode.toRpmbuild.push(r.toRpmbuildMs);
        mode.task.push(r.taskMs);
        mode.timeline = r.timeline;
        for (const [name, ms] of r.steps) mode.steps.set(name, [...(mode.steps.get(name) ?? []), ms]);
      }
    }
  } finally {
    for (const farm of farms) await farm.stop().catch(() => undefined);
    const { stdout } = await exec('podman', ['images', '--format', '{{.ID}} {{.Repository}}']).catch(() => ({
      stdout: '',
    }));
    for (const line of stdout.split('\n')) {
      const [id, repo] = line.split(' ');
      if (repo === snapshotRepo) await exec('podman', ['rmi', '--force', id]).catch(() => undefined);
    }
  }

  const fmt = (n: number) => n.toFixed(0);
  const rows: Array<[string, Summary]> = modes.flatMap((m) => [
    ['task.received → rpmbuild starts', summarize(m.name, m.toRpmbuild)] as [string, Summary],
    ['whole task', summarize(m.name, m.task)] as [string, Summary],
  ]);
  console.log(`\nbuildroot: kf-hello by buildArch, ${rounds} rounds per mode (+1 warm-up), interleaved\n`);
  console.log(
    table(
      ['mode', 'measure', 'n', 'median ms', 'min ms', 'p90 ms', 'max ms'],
      rows.map(([what, s]) => [s.name, what, String(s.n), fmt(s.median), fmt(s.min), fmt(s.p90), fmt(s.max)]),
    ),
  );
  // Where the time to rpmbuild goes: each Podman step's median, and the rest (hub calls,
  // SRPM download, image inspections, events) as what the steps leave of the median.
  for (const m of modes) {
    const stepRows = [...m.steps].map(([name, ms]) => [
      name,
      String(ms.length),
      fmt(summarize(name, ms).median),
    ]);
    const inSteps = [...m.steps.values()].reduce(
      (sum, ms) => sum + (summarize('', ms).median * ms.length) / rounds,
      0,
    );
    stepRows.push(['(outside the steps)', '', fmt(summarize(m.name, m.toRpmbuild).median - inSteps)]);
    console.log(`\n${m.name}: steps before rpmbuild\n`);
    console.log(table(['step', 'n', 'median ms'], stepRows));
    console.log(`\n${m.name}: the last round's events up to rpmbuild\n\n${m.timeline.join('\n')}`);
  }
  const median = (name: string, key: 'toRpmbuild' | 'task') =>
    summarize(name, modes.find((m) => m.name === name)![key]).median;
  const speedup = median('cold', 'toRpmbuild') / median('warm', 'toRpmbuild');
  const vsImage = median('warm', 'task') / median('image', 'task');
  const ok1 = speedup >= 10;
  const ok2 = vsImage <= 1.5;
  console.log(
    `\nwarm vs cold to rpmbuild: ${speedup.toFixed(1)}x faster (goal ≥ 10x) ${ok1 ? 'met' : 'NOT met'}` +
      `\nwarm vs image mode, whole task: ${vsImage.toFixed(2)}x (goal ≤ 1.5x) ${ok2 ? 'met' : 'NOT met'}`,
  );
  return ok1 && ok2;
}
