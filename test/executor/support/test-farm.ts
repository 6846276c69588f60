import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { amqpTopology, type AmqpTopology, type TaskMessage } from '@koji-farm/contracts';
import { ContainerManager, type ContainerSummary } from '@koji-farm/container';
import { type AmqpConnection, declareTaskExchanges, declareTaskQueue } from '@koji-farm/messaging';
import { HubSimulator, seedHub, type SeedResult } from '../../koji-hub-sim';
import { connectForTest, deleteTopology, testNamespace, TEST_AMQP_URL } from '../../support/amqp';
import { TEST_LABEL, TEST_PID_LABEL, testContainerLabels } from '../../support/container-test-kit';
import { EventRecorder } from './event-recorder';
import { HostSession } from './host-session';
import { InProcessExecutor } from './in-process-executor';
import { buildExtraSrpms, type ExtraSrpms } from './extra-srpms';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Everything an executor test needs, isolated: a hub simulator seeded with the fixture
 * tag, repo and SRPMs (plus the executor tests' own SRPMs), the host's session (the
 * poller's part), a RabbitMQ namespace with an event recorder, a Redis prefix, a work
 * directory, and executors started with the matching configuration.
 */
export class TestFarm {
  readonly executors: InProcessExecutor[] = [];
  readonly containers = new ContainerManager({ defaultLabels: testContainerLabels() });
  readonly names: AmqpTopology;

  private constructor(
    readonly namespace: string,
    readonly dir: string,
    readonly sim: HubSimulator,
    readonly seed: SeedResult,
    readonly srpms: ExtraSrpms,
    readonly host: HostSession,
    readonly connection: AmqpConnection,
    readonly events: EventRecorder,
    readonly redis: Redis,
  ) {
    this.names = amqpTopology(namespace);
  }

  /**
   * `distribution`: `markers` (default) seeds the small marker groups for executors in
   * image mode (see `env`); `rootfs` seeds the kf-rootfs distribution for clean buildroots.
   */
  static async start(
    label = 'exec',
    options: { distribution?: 'rootfs' | 'markers' } = {},
  ): Promise<TestFarm> {
    const namespace = testNamespace(label);
    const dir = mkdtempSync(join(tmpdir(), `${namespace}-`));
    const undo: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
    try {
      const sim = await HubSimulator.start({ dir: join(dir, 'hub') });
      undo.push(() => sim.stop());
      const seed = await seedHub(sim, { distribution: options.distribution ?? 'markers' });
      const srpms = await buildExtraSrpms(join(sim.dir, 'work'), sim.port);
      const host = await HostSession.login(sim);
      undo.push(() => host.close());
      const connection = await connectForTest(namespace);
      undo.push(() => connection.close());
      const names = amqpTopology(namespace);
      const events = await EventRecorder.start(connection, names);
      const redis = new Redis(REDIS_URL, { keyPrefix: `${namespace}:`, lazyConnect: true });
      undo.push(() => redis.disconnect());
      await redis.connect();
      return new TestFarm(namespace, dir, sim, seed, srpms, host, connection, events, redis);
    } catch (err) {
      for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => undefined);
      throw err;
    }
  }

  /** The executor's configuration keys for this farm; `overrides` win. */
  env(executorId: string, overrides: Record<string, string> = {}): Record<string, string> {
    return {
      EXECUTOR_ID: executorId,
      AMQP_URL: TEST_AMQP_URL,
      AMQP_NAMESPACE: this.namespace,
      REDIS_URL,
      REDIS_KEY_PREFIX: `${this.namespace}:`,
      ARCHES: 'x86_64',
      SLOTS: '2',
      // The pid label tells the global teardown of another jest run on this machine that
      // these containers are not its leftovers.
      CONTAINER_LABELS: `${TEST_LABEL}=true,${TEST_PID_LABEL}=${process.pid}`,
      FETCH_NETWORK: 'host',
      // Image mode for speed: these tests are about the executor, not the buildroot; a
      // clean buildroot installs the 230 MB kf-rootfs (test/executor/clean-buildroots).
      BUILDROOT_MODE: 'image',
      // Snapshots stay behind as images; the tests that want them set their own SNAPSHOT_REPO.
      BUILDROOT_SNAPSHOTS: 'false',
      WORK_DIR: join(this.dir, `work-${executorId}`),
      HUB_RETRIES: '2',
      HUB_RETRY_INTERVAL_MS: '200',
      HEARTBEAT_INTERVAL_MS: '500',
      EXECUTOR_GONE_AFTER_SECONDS: '2',
      // A killed executor's tasks are taken over once their lease expires (ADR 0083).
      TASK_LEASE_TTL_SECONDS: '3',
      REAPER_INTERVAL_SECONDS: '1',
      LOG_UPLOAD_INTERVAL_MS: '300',
      SHUTDOWN_GRACE_SECONDS: '5',
      LOG_LEVEL: 'debug',
      ...overrides,
    };
  }

  async startExecutor(
    executorId: string,
    overrides: Record<string, string> = {},
  ): Promise<InProcessExecutor> {
    const executor = await InProcessExecutor.start(this.env(executorId, overrides));
    this.executors.push(executor);
    return executor;
  }

  /** Declares the arch queue (as the poller would) so that a message published before an executor starts is kept. */
  async declareQueue(arch = 'x86_64', deliveryLimit = 5): Promise<void> {
    await this.connection.withChannel(async (ch) => {
      await declareTaskExchanges(ch, this.names);
      await declareTaskQueue(ch, this.names, this.names.taskQueue(arch), arch, { deliveryLimit });
    });
  }

  /** Opens a buildArch task of `srpm` (a work/-relative path) on the hub and returns its message. */
  buildArchTask(srpm: string, opts: { keepSrpm?: boolean; arch?: string } = {}): Promise<TaskMessage> {
    const arch = opts.arch ?? 'x86_64';
    return this.host.openTask(
      'buildArch',
      [srpm, this.seed.buildTag, arch, opts.keepSrpm ?? true, { repo_id: this.seed.repoId }],
      arch,
    );
  }

  async publish(message: unknown, arch = 'x86_64'): Promise<void> {
    await this.connection.publish(this.names.tasksExchange, arch, message);
  }

  /** Containers of this test run (label) that belong to `taskId` (or any task). */
  async containersOf(taskId?: number): Promise<ContainerSummary[]> {
    const labels: Record<string, string | true> = {
      [TEST_LABEL]: 'true',
      'io.koji-farm.namespace': this.namespace,
    };
    if (taskId !== undefined) labels['io.koji-farm.task'] = String(taskId);
    return this.containers.listByLabel(labels);
  }

  /** Polls (with a deadline) until `check` holds: for states with no event to wait on. */
  async until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Every message in `koji.tasks.dead` of this namespace (consumed). */
  async deadLetters(): Promise<Array<{ headers: Record<string, unknown>; body: string }>> {
    return this.connection.withChannel(async (ch) => {
      const out: Array<{ headers: Record<string, unknown>; body: string }> = [];
      for (;;) {
        const msg = await ch.get(this.names.tasksDeadQueue, { noAck: true });
        if (!msg) return out;
        out.push({
          headers: msg.properties.headers ?? {},
          body: msg.content.toString('utf8'),
        });
      }
    });
  }

  async stop(): Promise<void> {
    for (const executor of this.executors.splice(0)) await executor.stop().catch(() => undefined);
    await this.events.stop().catch(() => undefined);
    for (const c of await this.containersOf().catch(() => []))
      await this.containers.remove(c, { force: true }).catch(() => undefined);
    await deleteTopology(
      this.connection,
      this.names,
      ['x86_64', 'noarch'],
      [this.names.tasksDeadPollerQueue],
    ).catch(() => undefined);
    await this.connection.close();
    const keys = await this.redis.keys(`${this.namespace}:*`).catch(() => [] as string[]);
    if (keys.length > 0) await this.redis.del(...keys.map((k) => k.slice(this.namespace.length + 1)));
    this.redis.disconnect();
    await this.host.close().catch(() => undefined);
    await this.sim.stop();
    this.containers.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
