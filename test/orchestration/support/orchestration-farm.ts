import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { amqpTopology, type AmqpTopology } from '@koji-farm/contracts';
import { loadConfig } from '@koji-farm/config';
import { ContainerManager } from '@koji-farm/container';
import { type KojiValue } from '@koji-farm/koji';
import { type AmqpConnection, connectAmqpTransport } from '@koji-farm/messaging';
import { hubPollerConfigSchema } from '../../../apps/hub-poller/src/config/hub-poller.config';
import { HubPollerModule } from '../../../apps/hub-poller/src/hub-poller.module';
import { HubUser } from '../../../tools/koji-cli/hub-user';
import { EventRecorder } from '../../executor/support/event-recorder';
import { InProcessExecutor } from '../../executor/support/in-process-executor';
import { LogCapture } from '../../hub-poller/support/log-capture';
import { type SeedOptions, TASK_STATES } from '../../koji-hub-sim';
import { type FarmArches, type FarmHub, type FarmWorld, REAL_HUB, startFarmHub } from './farm-hub';
import { connectForTest, deleteTopology, testNamespace, TEST_AMQP_URL } from '../../support/amqp';
import { TEST_LABEL, TEST_PID_LABEL, testContainerLabels } from '../../support/container-test-kit';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** A task as `getTaskInfo` / `getTaskChildren` describe it. */
export interface TaskRow {
  id: number;
  method: string;
  arch: string;
  label: string | null;
  state: number;
  parent: number | null;
  waiting: boolean | null;
}

export interface OrchestrationFarmOptions {
  /** The simulator's seed (ignored on a real hub). */
  seed?: SeedOptions;
  /** Extra of the build tag, on either hub. */
  buildTagExtra?: Record<string, KojiValue>;
  /** Arches of the build tag and of the host, on either hub (default: x86_64, or KOJI_TEST_TAG's). */
  arches?: FarmArches;
  /** The hub's scheduler RunInterval. */
  runIntervalMs?: number;
  /** More configuration keys of the poller (they win). */
  pollerEnv?: Record<string, string>;
  /** The poller's log level (default debug). */
  logLevel?: string;
}

/**
 * The whole farm in this process: the real hub-poller (it takes parent and child tasks
 * from the hub, routes them, sends cancels) and executors started with the configuration
 * a test asks for, all in a namespace of their own, an event recorder, and the user's
 * side of the hub (HubUser, as `koji build` uses it). The hub is a seeded simulator, or
 * the real hub of KOJI_TEST_* (see farm-hub.ts); tests read the hub only through XML-RPC
 * and topurl, except where they say they need the simulator.
 */
export class OrchestrationFarm {
  readonly executors = new Map<string, InProcessExecutor>();
  readonly containers = new ContainerManager({ defaultLabels: testContainerLabels() });
  readonly names: AmqpTopology;
  private poller?: INestApplication;

  private constructor(
    readonly namespace: string,
    readonly dir: string,
    readonly hub: FarmHub,
    readonly connection: AmqpConnection,
    readonly events: EventRecorder,
    readonly user: HubUser,
    readonly pollerLogs: LogCapture,
  ) {
    this.names = amqpTopology(namespace);
  }

  static async start(label: string, options: OrchestrationFarmOptions = {}): Promise<OrchestrationFarm> {
    const namespace = testNamespace(label);
    const dir = mkdtempSync(join(tmpdir(), `${namespace}-`));
    const hub = await startFarmHub(dir, options);
    const connection = await connectForTest(namespace);
    const events = await EventRecorder.start(connection, amqpTopology(namespace));
    const user = await HubUser.connect({ url: hub.url, topurl: hub.topurl }, hub.admin);
    if (!hub.sim) {
      const srpms = join(hub.world.fixturesDir, 'srpms');
      hub.world.srpms.hello = await user.uploadSrpm(join(srpms, 'kf-hello-1.0-1.src.rpm'));
      hub.world.srpms.broken = await user.uploadSrpm(join(srpms, 'kf-broken-1.0-1.src.rpm'));
    }
    const farm = new OrchestrationFarm(namespace, dir, hub, connection, events, user, new LogCapture());
    await farm.startPoller(options);
    return farm;
  }

  /** The simulator (undefined against a real hub). */
  get sim() {
    return this.hub.sim;
  }

  /** The tags, target and sample SRPMs of the test. */
  get seed(): FarmWorld {
    return this.hub.world;
  }

  /** `build(src, target, opts)` in the test's channel, as `koji build` submits it. */
  build(src: string, opts: Record<string, KojiValue> = {}, target = this.seed.target): Promise<number> {
    return this.user.client.call<number>('build', [src, target, opts, null, this.seed.channel]);
  }

  /** Any method, through the admin-only `makeTask`, in the test's channel. */
  makeTask(method: string, args: KojiValue[]): Promise<number> {
    return this.user.client.call<number>('makeTask', [method, args], { channel: this.seed.channel });
  }

  private async startPoller(options: OrchestrationFarmOptions): Promise<void> {
    const config = loadConfig('hub-poller', hubPollerConfigSchema, {
      KOJI_HUB_URL: this.hub.url,
      KOJI_TOPURL: this.hub.topurl,
      KOJI_USER: this.hub.host.user,
      KOJI_PASSWORD: this.hub.host.password,
      AMQP_URL: TEST_AMQP_URL,
      AMQP_NAMESPACE: this.namespace,
      REDIS_URL,
      REDIS_KEY_PREFIX: `${this.namespace}:`,
      POLL_INTERVAL: '0.25',
      LEASE_TTL: '2',
      HUB_RETRIES: '1000',
      HUB_RETRY_INTERVAL: '0.2',
      EXECUTOR_GONE_AFTER: '3',
      POLLER_HTTP_PORT: '0',
      LOG_LEVEL: options.logLevel ?? 'debug',
      ...options.pollerEnv,
    });
    const app = await NestFactory.create(HubPollerModule.forRoot(config, { logStream: this.pollerLogs }), {
      logger: false,
      abortOnError: false,
    });
    connectAmqpTransport(app);
    await app.listen(0, '127.0.0.1');
    await app.startAllMicroservices();
    this.poller = app;
  }

  /** Starts an executor in this process; `overrides` win over the farm's keys. */
  async startExecutor(
    executorId: string,
    overrides: Record<string, string> = {},
  ): Promise<InProcessExecutor> {
    const executor = await InProcessExecutor.start({ ...this.executorEnv(executorId), ...overrides });
    this.executors.set(executorId, executor);
    return executor;
  }

  /** The configuration keys of an executor of this farm (also for one run as a process). */
  executorEnv(executorId: string): Record<string, string> {
    return {
      EXECUTOR_ID: executorId,
      AMQP_URL: TEST_AMQP_URL,
      AMQP_NAMESPACE: this.namespace,
      REDIS_URL,
      REDIS_KEY_PREFIX: `${this.namespace}:`,
      ARCHES: 'x86_64,noarch',
      SLOTS: '2',
      ORCHESTRATION_SLOTS: '10',
      ORCHESTRATION_POLL_MS: '200',
      CONTAINER_LABELS: `${TEST_LABEL}=true,${TEST_PID_LABEL}=${process.pid}`,
      FETCH_NETWORK: 'host',
      // Image mode and the marker groups (farm-hub.ts) for speed: these tests are about
      // parent tasks; clean buildroots are tested in test/executor/clean-buildroots.
      BUILDROOT_MODE: 'image',
      WORK_DIR: join(this.dir, `work-${executorId}`),
      HUB_RETRIES: '5',
      HUB_RETRY_INTERVAL_MS: '200',
      HEARTBEAT_INTERVAL_MS: '500',
      EXECUTOR_GONE_AFTER_SECONDS: '3',
      REAPER_INTERVAL_SECONDS: '2',
      LOG_UPLOAD_INTERVAL_MS: '300',
      SHUTDOWN_GRACE_SECONDS: '5',
      LOG_LEVEL: 'debug',
    };
  }

  /** The task as `getTaskInfo` gives it. */
  async task(taskId: number): Promise<TaskRow> {
    const info = await this.user.client.call<TaskRow | null>('getTaskInfo', [taskId]);
    if (!info) throw new Error(`the hub has no task ${taskId}`);
    return info;
  }

  /** The task's children (`getTaskChildren`), oldest first. */
  async children(parentId: number): Promise<TaskRow[]> {
    const rows = await this.user.client.call<TaskRow[]>('getTaskChildren', [parentId]);
    return [...rows].sort((a, b) => a.id - b.id);
  }

  /** Tasks of `method` made since the test began (e.g. the hub's own newRepo tasks). */
  async tasksOf(method: string): Promise<TaskRow[]> {
    const rows = await this.user.client.call<TaskRow[]>('listTasks', [{ method }, { order: 'id' }]);
    return rows.filter((t) => t.id > this.hub.baseline);
  }

  /** Resolves once the hub's task is CLOSED, FAILED or CANCELED; returns that state. */
  async settled(taskId: number, timeoutMs = REAL_HUB ? 1_800_000 : 180_000): Promise<number> {
    const done = [TASK_STATES.CLOSED, TASK_STATES.FAILED, TASK_STATES.CANCELED] as number[];
    let state = -1;
    await this.until(
      async () => done.includes((state = (await this.task(taskId)).state)),
      timeoutMs,
      `task ${taskId} finished`,
    );
    return state;
  }

  /** True when the hub serves `<topurl>/<path>`. */
  served(path: string): Promise<boolean> {
    return this.user.served(path);
  }

  /** Polls (with a deadline) until `check` holds: for hub states with no event to wait on. */
  async until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, REAL_HUB ? 1000 : 100));
    }
  }

  /** Containers of this farm (all tasks, or one). */
  async containersOf(taskId?: number) {
    const labels: Record<string, string | true> = {
      [TEST_LABEL]: 'true',
      'io.koji-farm.namespace': this.namespace,
    };
    if (taskId !== undefined) labels['io.koji-farm.task'] = String(taskId);
    return this.containers.listByLabel(labels);
  }

  async stop(): Promise<void> {
    for (const executor of this.executors.values()) await executor.stop().catch(() => undefined);
    this.executors.clear();
    await this.poller?.close().catch(() => undefined);
    await this.events.stop().catch(() => undefined);
    for (const c of await this.containersOf().catch(() => []))
      await this.containers.remove(c, { force: true }).catch(() => undefined);
    // every arch queue a test's executors may have declared (parent-resume's orchestrators
    // serve aarch64, the two-arch build's executor i386)
    await deleteTopology(
      this.connection,
      this.names,
      ['x86_64', 'noarch', 'i386', 'aarch64'],
      [this.names.tasksDeadPollerQueue],
    ).catch(() => undefined);
    await this.connection.close();
    await this.user.close().catch(() => undefined);
    await this.hub.stop().catch(() => undefined);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${this.namespace}:*`).catch(() => [] as string[]);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    this.containers.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
