// create + start + exec `true` + copyTo 1 MB + remove, three ways, interleaved per round:
// (a) ContainerManager, (b) the podman CLI, (c) bare dockerode calls. Same container
// options for all three (network none, init, no-new-privileges, both ulimits).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import Docker, { type ContainerCreateOptions } from 'dockerode';
import * as tar from 'tar-stream';

import { ContainerManager, DEFAULT_PODMAN_SOCKET, discardSink } from '@koji-farm/container';

import { since, summarize, table, type Summary } from './support/stats';

const run$ = promisify(execFile);
const IMAGE = 'localhost/koji-farm-buildroot:bookworm';
const BENCH_LABEL = 'io.koji-farm.bench';
const PAYLOAD_BYTES = 1024 * 1024;
const DEST = '/tmp/payload.bin';

type Variant = (payloadFile: string) => Promise<void>;

function parseArgs(args: string[]): { rounds: number; warmup: number } {
  const value = (flag: string, fallback: number) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  return { rounds: value('--rounds', 20), warmup: value('--warmup', 2) };
}

function viaManager(manager: ContainerManager): Variant {
  return async (payloadFile) => {
    const handle = await manager.create({
      image: IMAGE,
      owner: { executorId: 'bench', taskId: 0, attempt: 0 },
      labels: { [BENCH_LABEL]: 'true' },
    });
    try {
      await manager.start(handle);
      const result = await manager.exec(handle, ['true'], discardSink);
      if (result.exitCode !== 0) throw new Error(`true exited ${result.exitCode}`);
      await manager.copyTo(handle, payloadFile, DEST);
    } finally {
      await manager.remove(handle, { force: true });
    }
  };
}

const viaCli: Variant = async (payloadFile) => {
  const { stdout } = await run$('podman', [
    'create',
    '--network=none',
    '--init',
    '--security-opt=no-new-privileges',
    '--ulimit=nofile=1024:1024',
    '--ulimit=nproc=4096:4096',
    `--label=${BENCH_LABEL}=true`,
    IMAGE,
    'sleep',
    'infinity',
  ]);
  const id = stdout.trim();
  try {
    await run$('podman', ['start', id]);
    await run$('podman', ['exec', id, 'true']);
    await run$('podman', ['cp', payloadFile, `${id}:${DEST}`]);
  } finally {
    await run$('podman', ['rm', '-f', id]);
  }
};

function viaDockerode(docker: Docker): Variant {
  const body: ContainerCreateOptions = {
    Image: IMAGE,
    Cmd: ['sleep', 'infinity'],
    Labels: { [BENCH_LABEL]: 'true' },
    HostConfig: {
      NetworkMode: 'none',
      Init: true,
      SecurityOpt: ['no-new-privileges'],
      Ulimits: [
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
        { Name: 'nproc', Soft: 4096, Hard: 4096 },
      ],
    },
  };
  return async (payloadFile) => {
    const container = await docker.createContainer(body);
    try {
      await container.start();
      const exec = await container.exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      stream.resume();
      await new Promise((resolve) => stream.on('end', resolve));
      const info = await exec.inspect();
      if (info.ExitCode !== 0) throw new Error(`true exited ${info.ExitCode}`);
      const pack = tar.pack();
      pack.entry({ name: 'payload.bin', mode: 0o644 }, await readFile(payloadFile));
      pack.finalize();
      const archive: NodeJS.ReadableStream = (await import('node:stream')).Readable.from(pack);
      await container.putArchive(archive, { path: '/tmp' });
    } finally {
      await container.remove({ force: true });
    }
  };
}

function fmt(n: number): string {
  return n.toFixed(1);
}

/** Prints the table; resolves to whether both ratio goals were met. */
export async function run(args: string[]): Promise<boolean> {
  const { rounds, warmup } = parseArgs(args);
  const work = await mkdtemp(join(tmpdir(), 'kf-bench-'));
  const payloadFile = join(work, 'payload.bin');
  await writeFile(payloadFile, randomBytes(PAYLOAD_BYTES));
  const manager = new ContainerManager();
  const docker = new Docker({ socketPath: DEFAULT_PODMAN_SOCKET });
  const variants: Array<[string, Variant]> = [
    ['(a) ContainerManager', viaManager(manager)],
    ['(b) podman CLI', viaCli],
    ['(c) bare dockerode', viaDockerode(docker)],
  ];
  const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));

  try {
    console.log(
      `container bench: ${warmup} warm-up + ${rounds} rounds, variants interleaved (rotating order)`,
    );
    for (let round = 0; round < warmup + rounds; round += 1) {
      for (let k = 0; k < variants.length; k += 1) {
        const [name, variant] = variants[(round + k) % variants.length];
        const start = performance.now();
        await variant(payloadFile);
        if (round >= warmup) samples.get(name)?.push(since(start));
      }
    }
  } finally {
    manager.close();
    await rm(work, { recursive: true, force: true });
    const left = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=true`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  }

  const [a, b, c] = variants.map(([name]) => summarize(name, samples.get(name) ?? [])) as [
    Summary,
    Summary,
    Summary,
  ];
  console.log(
    table(
      ['variant', 'n', 'median ms', 'min ms', 'p90 ms', 'max ms'],
      [a, b, c].map((s) => [s.name, String(s.n), fmt(s.median), fmt(s.min), fmt(s.p90), fmt(s.max)]),
    ),
  );
  const ab = a.median / b.median;
  const ac = a.median / c.median;
  console.log(`\n(a)/(b) median ratio ${ab.toFixed(2)} (goal <= 0.60: ${ab <= 0.6 ? 'met' : 'NOT met'})`);
  console.log(`(a)/(c) median ratio ${ac.toFixed(2)} (goal <= 1.10: ${ac <= 1.1 ? 'met' : 'NOT met'})`);
  console.log(`min ratios: (a)/(b) ${(a.min / b.min).toFixed(2)}, (a)/(c) ${(a.min / c.min).toFixed(2)}`);
  return ab <= 0.6 && ac <= 1.1;
}
