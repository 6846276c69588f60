import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ContainerManager } from '@koji-farm/container';
import { declareTaskTopology, type AmqpConnection } from '@koji-farm/messaging';
import { FARM_DEFAULTS, NAMESPACE_LABEL, REPO_ROOT } from '../../tools/farm-launcher';
import { amqpTopology, connectForTest, deleteTopology, testNamespace } from '../support/amqp';

/** `npm run demo -- <args>` without the host set-up (tools/demo/main.ts), its output kept line by line. */
class DemoProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];

  constructor(args: string[]) {
    this.child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register', 'tools/demo/main.ts', ...args],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [this.child.stdout!, this.child.stderr!])
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.pattern.test(line) ? (w.resolve(), false) : true));
      });
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /** Resolves once a line matches. */
  until(pattern: RegExp): Promise<void> {
    if (this.lines.some((l) => pattern.test(l))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  get output(): string {
    return this.lines.join('\n');
  }

  /** The farm's processes as the demo listed them (`  executor-1   pid 123`). */
  get farmPids(): number[] {
    return this.lines.flatMap((l) => /^ {2}\S+\s+pid (\d+)$/.exec(l)?.slice(1).map(Number) ?? []);
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function namespaceContainers(namespace: string): Promise<string[]> {
  const manager = new ContainerManager({ socketPath: FARM_DEFAULTS.podmanSocket });
  try {
    return (await manager.listByLabel({ [NAMESPACE_LABEL]: namespace })).map((c) => c.name);
  } finally {
    manager.close();
  }
}

async function queueExists(connection: AmqpConnection, queue: string): Promise<boolean> {
  return connection
    .withChannel((ch) => ch.checkQueue(queue))
    .then(
      () => true,
      () => false,
    );
}

describe('npm run demo (tools/demo/main.ts)', () => {
  let namespace: string;
  let demo: DemoProcess | undefined;

  beforeEach(() => {
    namespace = testNamespace('demo-e2e');
  });

  afterEach(async () => {
    if (demo?.running) {
      demo.kill('SIGTERM');
      await demo.exited;
    }
    demo = undefined;
    rmSync(join(REPO_ROOT, '.tmp', namespace), { recursive: true, force: true });
  });

  it('--once: newRepo READY, then the sample build COMPLETE and tagged, progress printed; exits 0 and stops everything', async () => {
    demo = new DemoProcess(['--once', '--namespace', namespace, '--port', '0']);
    const exit = await demo.exited;
    const output = demo.output;
    expect({ exit, output }).toMatchObject({ exit: { code: 0, signal: null } });
    expect(output).toContain(`koji-farm demo (namespace ${namespace})`);
    expect(output).toMatch(/dashboard {2}http:\/\/127\.0\.0\.1:\d+\//);
    expect(output).toMatch(/submitted newRepo for \S+: task \d+/);
    expect(output).toMatch(/repo \d+ of \S+ is READY/);
    expect(output).toMatch(/submitted build of kf-hello into \S+: task \d+/);
    // Live progress: the build's children with their steps.
    expect(output).toMatch(/buildArch/);
    expect(output).toMatch(/rpmbuild/);
    expect(output).toMatch(/build kf-hello-1\.0-1\.\S+ is COMPLETE and tagged into \S+/);
    expect(output).toMatch(/packages\/kf-hello\/1\.0\/1\.\S+\/x86_64\/kf-hello-1\.0-1\.\S+\.x86_64\.rpm/);
    expect(output).toContain('farm stopped.');

    expect(demo.farmPids.length).toBe(5);
    expect(demo.farmPids.filter(running)).toEqual([]);
    expect(await namespaceContainers(namespace)).toEqual([]);
    const connection = await connectForTest(`${namespace} check`);
    try {
      expect(await queueExists(connection, amqpTopology(namespace).eventsLogQueue)).toBe(false);
    } finally {
      await connection.close();
    }
  }, 900_000);

  it('SIGTERM while it builds: every process it started stops and no container is left', async () => {
    demo = new DemoProcess(['--namespace', namespace, '--port', '0', '--executors', '1']);
    await demo.until(/submitted build of kf-hello/);
    const pids = demo.farmPids;
    expect(pids.length).toBe(4);
    demo.kill('SIGTERM');
    expect(await demo.exited).toEqual({ code: 143, signal: null });
    expect(demo.output).toContain('stopping the farm (SIGTERM)');
    expect(demo.output).toContain('farm stopped.');
    expect(pids.filter(running)).toEqual([]);
    expect(await namespaceContainers(namespace)).toEqual([]);
  }, 900_000);

  it('refuses --namespace where a farm runs, and leaves that farm alone', async () => {
    const other = await connectForTest(`${namespace} running farm`);
    const names = amqpTopology(namespace);
    try {
      await other.addTopology((ch) =>
        declareTaskTopology(ch, names, FARM_DEFAULTS.arches, { deliveryLimit: 5 }),
      );
      await other.consume(names.orchestrateQueue, () => Promise.resolve(), { prefetch: 1 });

      demo = new DemoProcess(['--once', '--namespace', namespace, '--port', '0']);
      expect((await demo.exited).code).toBe(1);
      expect(demo.output).toContain(
        `demo FAILED: namespace "${namespace}" is in use by a running farm (1 consumer(s) on queue ${names.orchestrateQueue})`,
      );
      expect(demo.farmPids).toEqual([]);
      expect(await other.withChannel((ch) => ch.checkQueue(names.orchestrateQueue))).toMatchObject({
        consumerCount: 1,
      });
    } finally {
      await deleteTopology(other, names, FARM_DEFAULTS.arches);
      await other.close();
    }
  });
});
