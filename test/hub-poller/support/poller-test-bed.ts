import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddressInfo } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { type AmqpTopology, amqpTopology } from '@koji-farm/contracts';
import { loadConfig } from '@koji-farm/config';
import { KojiClient } from '@koji-farm/koji';
import { type AmqpConnection, connectAmqpTransport } from '@koji-farm/messaging';
import {
  hubPollerConfigSchema,
  type HubPollerConfig,
} from '../../../apps/hub-poller/src/config/hub-poller.config';
import { HubPollerModule } from '../../../apps/hub-poller/src/hub-poller.module';
import { HubSimulator, type HubSimulatorOptions } from '../../koji-hub-sim';
import { connectForTest, deleteTopology, testNamespace } from '../../support/amqp';
import { FakeExecutor, type FakeExecutorOptions } from './fake-executor';
import { LogCapture } from './log-capture';

export const HOST_NAME = 'kf-farm-host';
export const HOST_PASSWORD = 'host-pass-Xy7!q';
export const ADMIN_NAME = 'kojiadmin';
export const ADMIN_PASSWORD = 'admin-pass-9Zk';

/** A poller running in this process (real Nest app, HTTP on a free port). */
export interface InProcessPoller {
  app: INestApplication;
  config: HubPollerConfig;
  logs: LogCapture;
  httpUrl: string;
  /** app.close(): the SIGTERM path without the process exit. Idempotent. */
  stop(): Promise<void>;
}

export interface TestBedOptions {
  hub?: Partial<HubSimulatorOptions>;
  hostArches?: string[];
}

/**
 * One test's world: a hub simulator with a farm host and an admin, its own AMQP
 * namespace and Redis key prefix, fake executors, and pollers started in-process or as
 * environment for spawned ones. `close()` removes everything it made.
 */
export class PollerTestBed {
  readonly namespace = testNamespace('poller');
  readonly keyPrefix = `${this.namespace}:`;
  readonly names: AmqpTopology = amqpTopology(this.namespace);
  readonly executors: FakeExecutor[] = [];
  readonly pollers: InProcessPoller[] = [];
  private readonly clients: KojiClient[] = [];
  hostId = 0;

  private constructor(
    readonly hub: HubSimulator,
    readonly amqp: AmqpConnection,
    readonly redis: Redis,
    private readonly dir: string,
  ) {}

  static async create(options: TestBedOptions = {}): Promise<PollerTestBed> {
    const dir = mkdtempSync(join(tmpdir(), 'kf-poller-'));
    const hub = await HubSimulator.start({ dir, port: 0, runIntervalMs: 200, ...options.hub });
    const amqp = await connectForTest('hub-poller test');
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    const bed = new PollerTestBed(hub, amqp, redis, dir);
    bed.hostId = hub.admin.addHost({
      name: HOST_NAME,
      password: HOST_PASSWORD,
      arches: options.hostArches ?? ['x86_64'],
      capacity: 1000,
    }).id;
    hub.admin.addUser({ name: ADMIN_NAME, password: ADMIN_PASSWORD, perms: ['admin'] });
    return bed;
  }

  /** The environment a poller of this bed reads (in-process or spawned). */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      KOJI_HUB_URL: this.hub.url,
      KOJI_TOPURL: this.hub.topurl,
      KOJI_USER: HOST_NAME,
      KOJI_PASSWORD: HOST_PASSWORD,
      AMQP_NAMESPACE: this.namespace,
      REDIS_KEY_PREFIX: this.keyPrefix,
      POLL_INTERVAL: '0.25',
      LEASE_TTL: '2',
      HUB_RETRIES: '1000',
      HUB_RETRY_INTERVAL: '0.2',
      HUB_TIMEOUT: '10',
      EXECUTOR_GONE_AFTER: '1.5',
      POLLER_HTTP_PORT: '0',
      LOG_LEVEL: 'debug',
      ...overrides,
    };
  }

  async startPoller(overrides: Record<string, string> = {}): Promise<InProcessPoller> {
    const config = loadConfig('hub-poller', hubPollerConfigSchema, this.env(overrides));
    const logs = new LogCapture();
    const app = await NestFactory.create(HubPollerModule.forRoot(config, { logStream: logs }), {
      logger: false,
      abortOnError: false,
    });
    connectAmqpTransport(app);
    await app.listen(0, '127.0.0.1');
    await app.startAllMicroservices();
    const port = (app.getHttpServer().address() as AddressInfo).port;
    let closed: Promise<void> | undefined;
    const poller: InProcessPoller = {
      app,
      config,
      logs,
      httpUrl: `http://127.0.0.1:${port}`,
      stop: () => (closed ??= app.close()),
    };
    this.pollers.push(poller);
    return poller;
  }

  /** Resolves after `n` more host loops of `poller` reached `host.updateHost`. */
  async loops(poller: InProcessPoller, n: number, timeoutMs = 20_000): Promise<void> {
    const count = () =>
      poller.logs.lines.filter((l) => l.method === 'host.updateHost' && l.msg === 'hub call answered').length;
    const target = count() + n;
    await poller.logs.waitFor(() => count() >= target, timeoutMs, `${n} more host loops`);
  }

  async startExecutor(options: FakeExecutorOptions = {}): Promise<FakeExecutor> {
    const executor = await FakeExecutor.start(this.amqp, this.names, options);
    this.executors.push(executor);
    return executor;
  }

  /** A client logged in on the hub as `user` (closed by `close()`). */
  async login(user = ADMIN_NAME, password = ADMIN_PASSWORD): Promise<KojiClient> {
    const client = KojiClient.create({ hubUrl: this.hub.url, retry: { maxRetries: 0 } });
    this.clients.push(client);
    await client.login(user, password);
    return client;
  }

  makeTask(
    method: string,
    arch = 'x86_64',
    args: unknown[] = ['pkg.src.rpm', 'f40-build', arch, false, {}],
  ): number {
    return this.hub.admin.makeTask({ method, arch, args: args as never });
  }

  task(id: number) {
    const row = this.hub.admin.task({ id });
    if (!row) throw new Error(`no task ${id}`);
    return row;
  }

  /** The host row as the hub stores it (ready, task_load, data). */
  hostRow() {
    return this.hub.services.db.hosts.get(this.hostId)!;
  }

  async close(): Promise<void> {
    for (const poller of this.pollers.splice(0)) await poller.stop().catch(() => undefined);
    for (const executor of this.executors.splice(0)) executor.silence();
    for (const client of this.clients.splice(0)) await client.close();
    await deleteTopology(
      this.amqp,
      this.names,
      ['x86_64', 'noarch', 'aarch64'],
      [this.names.tasksDeadPollerQueue],
    ).catch(() => undefined);
    await this.deleteRedisKeys().catch(() => undefined);
    await this.amqp.close();
    this.redis.disconnect();
    await this.hub.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async deleteRedisKeys(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.keyPrefix}*`, 'COUNT', 200);
      cursor = next;
      if (keys.length > 0) await this.redis.del(...keys);
    } while (cursor !== '0');
  }
}
