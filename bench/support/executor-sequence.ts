import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ContainerHandle,
  type ContainerManager,
  type ContainerSpec,
  discardSink,
} from '@koji-farm/container';
import { type KojiValue } from '@koji-farm/koji';
import { type DynamicModule, Inject, Module } from '@nestjs/common';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../apps/executor/src/config/executor.config';
import { type TaskContext } from '../../apps/executor/src/tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../apps/executor/src/tasks/handler/task-handler';

export const BENCH_IMAGE = 'localhost/koji-farm-buildroot:bookworm';
export const BENCH_METHOD = 'kfOverheadBench';

const BENCH_SETUP = Symbol('BENCH_SETUP');

interface BenchSetup {
  inputs: Awaited<ReturnType<typeof benchInputs>>;
  labels: Record<string, string>;
}

/** Three small files like a buildroot's repo file, macros file and SRPM. */
export async function benchInputs(dir: string): Promise<{ repo: Buffer; macros: Buffer; srpm: string }> {
  await mkdir(dir, { recursive: true });
  const srpm = join(dir, 'bench-1.0-1.src.rpm');
  await writeFile(srpm, Buffer.alloc(64 * 1024, 7));
  return {
    repo: Buffer.from('[koji]\nname=bench\nbaseurl=http://127.0.0.1/\ngpgcheck=0\n'),
    macros: Buffer.from('%_topdir /builddir/build\n%dist .bench\n'),
    srpm,
  };
}

export function benchSpec(
  executorId: string,
  taskId: number,
  attempt: number,
  labels: Record<string, string>,
): ContainerSpec {
  return {
    image: BENCH_IMAGE,
    owner: { executorId, taskId, attempt },
    labels,
    argv: ['sleep', 'infinity'],
    network: 'none',
    init: true,
  };
}

/**
 * The trivial buildArch-like sequence as bare ContainerManager calls: create (+start),
 * 3 copies in, 3 execs of `true`, copy out, remove.
 */
export async function bareSequence(
  containers: ContainerManager,
  spec: ContainerSpec,
  inputs: Awaited<ReturnType<typeof benchInputs>>,
  outDir: string,
): Promise<void> {
  const handle: ContainerHandle = await containers.create(spec);
  try {
    await containers.start(handle);
    await containers.copyTo(handle, inputs.repo, '/etc/yum.repos.d/koji.repo');
    await containers.copyTo(handle, inputs.macros, '/etc/rpm/macros.koji');
    await containers.copyTo(handle, inputs.srpm, '/builddir/originals/bench-1.0-1.src.rpm');
    for (let i = 0; i < 3; i++) {
      const result = await containers.exec(handle, ['true'], discardSink, { cwd: '/' });
      if (result.exitCode !== 0) throw new Error(`true exited ${result.exitCode}`);
    }
    await containers.copyFrom(handle, '/builddir/originals', outDir);
  } finally {
    await containers.remove(handle, { force: true });
  }
}

/**
 * The same sequence as an executor task handler: every step through the executor's
 * StepRunner (step events), exec output into the task's logs (uploaded to the hub while
 * it runs, log.chunk events), the task's subsession, closeTask, ack.
 */
@KojiTaskHandler()
export class OverheadBenchHandler {
  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(BENCH_SETUP) private readonly setup: BenchSetup,
  ) {}

  @KojiMethod(BENCH_METHOD)
  async run(ctx: TaskContext): Promise<KojiValue> {
    const { inputs, labels } = this.setup;
    const container = await ctx.steps.create(
      benchSpec(this.config.executorId, ctx.taskId, ctx.attempt, labels),
    );
    try {
      await ctx.steps.copyTo(container, inputs.repo, '/etc/yum.repos.d/koji.repo', 'repo file');
      await ctx.steps.copyTo(container, inputs.macros, '/etc/rpm/macros.koji', 'macros file');
      await ctx.steps.copyTo(container, inputs.srpm, '/builddir/originals/bench-1.0-1.src.rpm', 'SRPM');
      for (let i = 1; i <= 3; i++) {
        const result = await ctx.steps.exec(container, ['true'], ctx.logs.sink('root.log'), {
          name: `exec true ${i}/3`,
          log: 'root.log',
          cwd: '/',
        });
        if (result.exitCode !== 0) throw new Error(`true exited ${result.exitCode}`);
      }
      await ctx.steps.copyFrom(container, '/builddir/originals', join(ctx.workDir, 'out'), 'results');
    } finally {
      await ctx.steps.remove(container);
    }
    return { ok: true };
  }
}

@Module({})
class OverheadBenchModule {}

/** The benchmark's task handler as an added handler module of the executor. */
export function overheadBenchModule(setup: BenchSetup): DynamicModule {
  return {
    module: OverheadBenchModule,
    controllers: [OverheadBenchHandler],
    providers: [{ provide: BENCH_SETUP, useValue: setup }],
  };
}
