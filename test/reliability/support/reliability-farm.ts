import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { amqpTopology, type AmqpTopology } from '@koji-farm/contracts';
import { ContainerManager, type ContainerSummary } from '@koji-farm/container';
import { AmqpConnection } from '@koji-farm/messaging';
import { HubSimulator, seedHub, type SeedResult, TASK_STATES } from '../../koji-hub-sim';
import { deleteTopology, testNamespace, TEST_AMQP_URL } from '../../support/amqp';
import { TEST_LABEL, TEST_PID_LABEL, testContainerLabels } from '../../support/container-test-kit';
import { type AppName, type SpawnedApp, SpawnedApp as App } from '../../support/spawn-app';
import { freePort } from './free-port';
import { EventRecorder } from '../../executor/support/event-recorder';
import { HubTap } from './hub-tap';
import { PodmanService } from './podman-service';
import { RabbitNode } from './rabbitmq-node';
import { RedisServerProcess } from './redis-server';
import { reapStaleServices } from './service-dirs';
import { waitUntil } from './wait-until';

/** Where each farm leaves its processes' logs, the tap's records and the hub's task logs (`.tmp` is not committed). */
const LOGS_DIR = join(__dirname, '..', '..', '..', '.tmp', 'reliability', 'logs');
const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_PODMAN_SOCKET = '/run/podman/podman.sock';
const HOST_USER = 'kf-builder';

export interface ReliabilityFarmOptions {
  /** Names the namespace and directory. */
  label: string;
  /** `own`: a RabbitMQ node of this farm's own (to stop, restart or kill); else the machine's. */
  broker?: 'own' | 'shared';
  /** `own`: a redis-server of this farm's own (to kill and restart empty). */
  redis?: 'own' | 'shared';
  /** `own`: a Podman API service of this farm's own (to kill and restart). */
  podman?: 'own' | 'shared';
  /** The build host's capacity on the hub (it must cover the farm's slots). */
  hostCapacity?: number;
  /** The hub scheduler's RunInterval. */
  runIntervalMs?: number;
  /** `dist`: the apps run from the built bundles (a benchmark's memory is then the app's own). */
  appsFrom?: 'source' | 'dist';
}

/**
 * A whole farm for one reliability scenario, built from real parts on their own ports:
 * the hub simulator (seeded, behind a recording tap that can also take it off the
 * network), RabbitMQ, Redis and Podman (the machine's, or a test's own instance of the
 * one the scenario breaks), and the apps as child processes run from source (pollers,
 * executors, a monitor). Scenarios start the processes they need, break something, and
 * read the outcome from the hub, the broker, Redis and the monitor's REST API.
 */
export class ReliabilityFarm {
  readonly processes = new Map<string, SpawnedApp>();
  /** Every process started, restarts included, in order (their logs are kept at stop). */
  private readonly started: Array<{ id: string; app: SpawnedApp }> = [];
  readonly names: AmqpTopology;
  readonly containers: ContainerManager;
  private readonly envs = new Map<string, { app: AppName; env: Record<string, string> }>();
  private recorder?: { connection: AmqpConnection; events: EventRecorder };

  private constructor(
    readonly namespace: string,
    readonly dir: string,
    readonly sim: HubSimulator,
    readonly seed: SeedResult,
    readonly tap: HubTap,
    readonly broker: RabbitNode | undefined,
    readonly redisServer: RedisServerProcess | undefined,
    readonly podman: PodmanService | undefined,
    private readonly appsFrom: 'source' | 'dist',
  ) {
    this.names = amqpTopology(namespace);
    this.containers = new ContainerManager({
      socketPath: DEFAULT_PODMAN_SOCKET,
      defaultLabels: testContainerLabels(),
    });
  }

  static async start(options: ReliabilityFarmOptions): Promise<ReliabilityFarm> {
    reapStaleServices();
    const namespace = testNamespace(options.label);
    const dir = mkdtempSync(join(tmpdir(), `${namespace}-`));
    const undo: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
    try {
      const sim = await HubSimulator.start({
        dir: join(dir, 'hub'),
        runIntervalMs: options.runIntervalMs ?? 500,
      });
      undo.push(() => sim.stop());
      // The marker groups and image-mode executors (below): these scenarios are about
      // failures around the build, not the buildroot, and run many builds.
      const seed = await seedHub(sim, { distribution: 'markers' });
      sim.admin.editHost({ name: HOST_USER, capacity: options.hostCapacity ?? 100 });
      const tap = await HubTap.start(sim.baseUrl);
      undo.push(() => tap.stop());
      const [broker, redis, podman] = await Promise.all([
        options.broker === 'own' ? RabbitNode.start() : undefined,
        options.redis === 'own' ? RedisServerProcess.start() : undefined,
        options.podman === 'own' ? PodmanService.start() : undefined,
      ]);
      undo.push(
        () => broker?.destroy(),
        () => redis?.destroy(),
        () => podman?.destroy(),
      );
      return new ReliabilityFarm(
        namespace,
        dir,
        sim,
        seed,
        tap,
        broker,
        redis,
        podman,
        options.appsFrom ?? 'source',
      );
    } catch (err) {
      for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => undefined);
      throw err;
    }
  }

  get amqpUrl(): string {
    return this.broker?.url ?? TEST_AMQP_URL;
  }

  get redisUrl(): string {
    return this.redisServer?.url ?? SHARED_REDIS_URL;
  }

  get podmanSocket(): string {
    return this.podman?.socketPath ?? DEFAULT_PODMAN_SOCKET;
  }

  get keyPrefix(): string {
    return `${this.namespace}:`;
  }

  /** Keys every app of this farm reads. */
  private commonEnv(): Record<string, string> {
    return {
      AMQP_URL: this.amqpUrl,
      AMQP_NAMESPACE: this.namespace,
      REDIS_URL: this.redisUrl,
      REDIS_KEY_PREFIX: this.keyPrefix,
      LOG_LEVEL: 'info',
    };
  }

  executorEnv(executorId: string, overrides: Record<string, string> = {}): Record<string, string> {
    return {
      ...this.commonEnv(),
      EXECUTOR_ID: executorId,
      ARCHES: 'x86_64,noarch',
      SLOTS: '2',
      PODMAN_SOCKET: this.podmanSocket,
      // The pid label tells another jest run's global teardown these are not its leftovers.
      CONTAINER_LABELS: `${TEST_LABEL}=true,${TEST_PID_LABEL}=${process.pid}`,
      FETCH_NETWORK: 'host',
      BUILDROOT_MODE: 'image',
      WORK_DIR: join(this.dir, `work-${executorId}`),
      HEARTBEAT_INTERVAL_MS: '1000',
      EXECUTOR_GONE_AFTER_SECONDS: '4',
      // A killed executor's tasks are taken over once their lease expires (ADR 0083).
      TASK_LEASE_TTL_SECONDS: '5',
      REAPER_INTERVAL_SECONDS: '2',
      LOG_UPLOAD_INTERVAL_MS: '500',
      SHUTDOWN_GRACE_SECONDS: '5',
      HUB_RETRIES: '60',
      HUB_RETRY_INTERVAL_MS: '2000',
      ...overrides,
    };
  }

  async pollerEnv(pollerId: string, overrides: Record<string, string> = {}): Promise<Record<string, string>> {
    return {
      ...this.commonEnv(),
      POLLER_ID: pollerId,
      KOJI_HUB_URL: this.tap.url,
      KOJI_TOPURL: this.tap.topurl,
      KOJI_USER: HOST_USER,
      KOJI_PASSWORD: HOST_USER,
      POLL_INTERVAL: '0.5',
      LEASE_TTL: '3',
      EXECUTOR_GONE_AFTER: '4',
      HUB_RETRIES: '120',
      HUB_RETRY_INTERVAL: '1',
      POLLER_HTTP_PORT: String(await freePort()),
      ...overrides,
    };
  }

  async monitorEnv(
    replicaId: string,
    overrides: Record<string, string> = {},
  ): Promise<Record<string, string>> {
    return {
      ...this.commonEnv(),
      MONITOR_REPLICA_ID: replicaId,
      MONITOR_PORT: String(await freePort()),
      ...overrides,
    };
  }

  /** Starts an executor process and waits until it consumes. */
  async startExecutor(executorId: string, overrides: Record<string, string> = {}): Promise<SpawnedApp> {
    return this.spawn(executorId, 'executor', this.executorEnv(executorId, overrides), 'executor ready');
  }

  async startPoller(pollerId: string, overrides: Record<string, string> = {}): Promise<SpawnedApp> {
    return this.spawn(
      pollerId,
      'hub-poller',
      await this.pollerEnv(pollerId, overrides),
      'hub-poller started',
    );
  }

  async startMonitor(replicaId = 'monitor', overrides: Record<string, string> = {}): Promise<SpawnedApp> {
    return this.spawn(replicaId, 'monitor', await this.monitorEnv(replicaId, overrides), 'monitor started');
  }

  /** Starts a process that ran before (killed or stopped) again with the same configuration. */
  async restart(id: string): Promise<SpawnedApp> {
    const known = this.envs.get(id);
    if (!known) throw new Error(`no process ${id} was started`);
    const ready = {
      executor: 'executor ready',
      'hub-poller': 'hub-poller started',
      monitor: 'monitor started',
    };
    return this.spawn(id, known.app, known.env, ready[known.app]);
  }

  process(id: string): SpawnedApp {
    const app = this.processes.get(id);
    if (!app) throw new Error(`no process ${id}`);
    return app;
  }

  /** The monitor's base URL (`http://127.0.0.1:<port>`). */
  monitorUrl(replicaId = 'monitor'): string {
    const known = this.envs.get(replicaId);
    if (!known || known.app !== 'monitor') throw new Error(`no monitor ${replicaId}`);
    return `http://127.0.0.1:${known.env.MONITOR_PORT}`;
  }

  /** GET a monitor REST path (JSON). */
  async rest<T = unknown>(path: string, replicaId = 'monitor'): Promise<T> {
    const res = await fetch(`${this.monitorUrl(replicaId)}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Makes `count` buildArch tasks of `srpm` on the hub, free for the scheduler to assign. */
  submitBuildArch(srpm: string, count = 1): number[] {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(
        this.sim.admin.makeTask({
          method: 'buildArch',
          args: [srpm, this.seed.buildTag, 'x86_64', true, { repo_id: this.seed.repoId }],
          arch: 'x86_64',
        }),
      );
    }
    return ids;
  }

  taskState(taskId: number): number {
    const row = this.sim.admin.task({ id: taskId });
    if (!row) throw new Error(`no task ${taskId} on the hub`);
    return row.state;
  }

  /** Waits until every task is CLOSED, FAILED or CANCELED on the hub. */
  async waitForFinished(taskIds: number[], timeoutMs: number): Promise<void> {
    const finished: number[] = [TASK_STATES.CLOSED, TASK_STATES.FAILED, TASK_STATES.CANCELED];
    await waitUntil(
      () => taskIds.every((id) => finished.includes(this.taskState(id))),
      timeoutMs,
      `tasks ${taskIds.join(', ')} finished on the hub`,
      250,
    );
  }

  /** This farm's containers (of one executor and of one task, when given). */
  async containersOf(executorId?: string, taskId?: number): Promise<ContainerSummary[]> {
    const labels: Record<string, string | true> = {
      [TEST_LABEL]: 'true',
      'io.koji-farm.namespace': this.namespace,
    };
    if (executorId !== undefined) labels['io.koji-farm.executor'] = executorId;
    if (taskId !== undefined) labels['io.koji-farm.task'] = String(taskId);
    return this.containers.listByLabel(labels);
  }

  /**
   * Every event published on this farm's broker from now on (a queue of the test's own,
   * bound to `#`). Over a broker outage it reconnects, but what is published while its
   * queue is gone is not in it: the monitor, reading the stream queue, is the full record.
   */
  async events(): Promise<EventRecorder> {
    if (!this.recorder) {
      const connection = await AmqpConnection.connect({
        url: this.amqpUrl,
        connectionName: `${this.namespace} recorder`,
        connectAttempts: 10,
        retryDelayMs: 500,
      });
      this.recorder = { connection, events: await EventRecorder.start(connection, this.names) };
    }
    return this.recorder.events;
  }

  /** A Redis client on this farm's Redis (no key prefix). Disconnect it. */
  redisClient(): Redis {
    return new Redis(this.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  }

  /** Stops every process, removes containers, queues, keys and services of this farm. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.processes.values()].map(async (app) => {
        app.kill('SIGCONT');
        await app.stop(10_000).catch(() => undefined);
      }),
    );
    this.processes.clear();
    this.keepLogs();
    if (this.recorder) {
      await this.recorder.events.stop().catch(() => undefined);
      await this.recorder.connection.close();
    }
    for (const c of await this.containersOf().catch(() => []))
      await this.containers.remove(c, { force: true }).catch(() => undefined);
    this.containers.close();
    if (!this.broker) await this.deleteSharedTopology().catch(() => undefined);
    if (!this.redisServer) await this.deleteSharedKeys().catch(() => undefined);
    await this.broker?.destroy().catch(() => undefined);
    await this.redisServer?.destroy().catch(() => undefined);
    await this.podman?.destroy().catch(() => undefined);
    await this.tap.stop();
    await this.sim.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Writes each process's output, the tap's records and the hub's task logs to
   * `.tmp/reliability/logs/<namespace>/`: a scenario that fails, or prints a surprising
   * figure, is read from there afterwards.
   */
  private keepLogs(): void {
    try {
      const dir = join(LOGS_DIR, this.namespace);
      mkdirSync(dir, { recursive: true });
      const seen = new Map<string, number>();
      for (const { id, app } of this.started) {
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        writeFileSync(join(dir, `${id}${n > 1 ? `.${n}` : ''}.log`), `${app.raw.join('\n')}\n`);
      }
      writeFileSync(join(dir, 'hub-tap.jsonl'), this.tap.records.map((r) => JSON.stringify(r)).join('\n'));
      // The logs the hub holds (tasks/<id % 10000>/<id>/*.log), as the hub has them.
      const tasks = join(this.sim.dir, 'work', 'tasks');
      if (existsSync(tasks))
        cpSync(tasks, join(dir, 'hub-tasks'), {
          recursive: true,
          filter: (src) => !src.endsWith('.rpm'),
        });
      console.log(`[logs] ${this.namespace}: processes' logs and hub requests in ${dir}`);
    } catch (err) {
      console.warn(`could not keep the farm's logs: ${String(err)}`);
    }
  }

  private async spawn(
    id: string,
    app: AppName,
    env: Record<string, string>,
    readyMessage: string,
  ): Promise<SpawnedApp> {
    const previous = this.processes.get(id);
    if (previous?.running) throw new Error(`process ${id} is still running`);
    const spawned = new App(app, env, { from: this.appsFrom });
    this.processes.set(id, spawned);
    this.started.push({ id, app: spawned });
    this.envs.set(id, { app, env });
    await spawned.waitForMessage(readyMessage, 120_000);
    return spawned;
  }

  private async deleteSharedTopology(): Promise<void> {
    const connection = await AmqpConnection.connect({
      url: TEST_AMQP_URL,
      connectionName: `${this.namespace} cleanup`,
      connectAttempts: 2,
      retryDelayMs: 200,
    });
    try {
      await deleteTopology(connection, this.names, ['x86_64', 'noarch'], []);
    } finally {
      await connection.close();
    }
  }

  private async deleteSharedKeys(): Promise<void> {
    const redis = this.redisClient();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.keyPrefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
