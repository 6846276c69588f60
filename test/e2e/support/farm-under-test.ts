import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FARM_DEFAULTS,
  launchFarm,
  type FarmSpec,
  type RunningFarm,
  type StopReport,
} from '../../../tools/farm-launcher';
import { HubUser } from '../../../tools/koji-cli/hub-user';
import { Redis } from 'ioredis';
import { amqpTopology } from '@koji-farm/contracts';
import { connectForTest, testNamespace } from '../../support/amqp';
import { TEST_LABEL, TEST_PID_LABEL } from '../../support/container-test-kit';
import { EventsClient } from '../../monitor/support/events-client';

/**
 * A whole farm started by the demo's own launcher (tools/farm-launcher) as separate
 * processes, in a namespace of its own, with a WebSocket client on the monitor's
 * events from before any task exists and an admin logged in on the hub simulator.
 */
export class FarmUnderTest {
  private stopReport?: Promise<StopReport>;

  private constructor(
    readonly farm: RunningFarm,
    readonly events: EventsClient,
    readonly admin: HubUser,
    private readonly runDir: string,
  ) {}

  static async start(
    label: string,
    executors: { count: number; slots: number },
    env: FarmSpec['env'] = {},
  ): Promise<FarmUnderTest> {
    const namespace = testNamespace(label);
    const runDir = mkdtempSync(join(tmpdir(), `${namespace}-`));
    const farm = await launchFarm({
      runDir,
      namespace,
      hub: { kind: 'simulator', seed: true },
      executors: { ...executors, arches: FARM_DEFAULTS.arches, idPrefix: `${namespace}-exec` },
      monitorPort: 0,
      amqpUrl: FARM_DEFAULTS.amqpUrl,
      redisUrl: FARM_DEFAULTS.redisUrl,
      podmanSocket: FARM_DEFAULTS.podmanSocket,
      // The global teardown checks that no container of this jest run is left.
      containerLabels: { [TEST_LABEL]: 'true', [TEST_PID_LABEL]: String(process.pid) },
      logLevel: 'debug',
      env: {
        ...env,
        // Clean buildroots from scratch: snapshots would stay behind as images of this
        // machine (they are tested in test/executor/buildroot-snapshots).
        executor: { BUILDROOT_SNAPSHOTS: 'false', ...env.executor },
      },
    }).catch((err: unknown) => {
      rmSync(runDir, { recursive: true, force: true });
      throw err;
    });
    try {
      const events = await EventsClient.connect(farm.monitorUrl.replace(/^http/, 'ws'));
      const admin = await HubUser.connect(farm.hub, FARM_DEFAULTS.seededAdmin);
      return new FarmUnderTest(farm, events, admin, runDir);
    } catch (err) {
      await farm.stop();
      rmSync(runDir, { recursive: true, force: true });
      throw err;
    }
  }

  get seed() {
    return this.farm.hub.simulator!.seed!;
  }

  /** The simulator's KojiDir on this machine. */
  get kojiDir(): string {
    return join(this.runDir, 'hub');
  }

  async rest<T>(path: string): Promise<T> {
    const response = await fetch(`${this.farm.monitorUrl}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async metrics(): Promise<string> {
    const response = await fetch(`${this.farm.monitorUrl}/metrics`);
    return response.text();
  }

  /** A buildArch of the seeded sample package, made by the admin as `makeTask` does. */
  buildArch(srpm = this.seed.srpms.hello): Promise<number> {
    return this.admin.makeTask(
      'buildArch',
      [srpm, this.seed.buildTag, 'x86_64', true, { repo_id: this.seed.repoId }],
      {
        arch: 'x86_64',
      },
    );
  }

  /** Waits on the monitor's events until `taskId` finished for good (closed, failed or canceled). */
  async finished(taskId: number, timeoutMs: number): Promise<Record<string, unknown>> {
    const final = (e: Record<string, unknown>) =>
      e.type === 'task.finished' && e.taskId === taskId && e.state !== 'requeued';
    await this.events.until((frames) => frames.some((f) => f.event && final(f.event)), timeoutMs);
    return this.events.events.find(final)!;
  }

  /** Queues of the farm's namespace that still exist, and how many Redis keys it still has. */
  async namespaceLeftovers(): Promise<{ queues: string[]; redisKeys: number }> {
    const { namespace } = this.farm.spec;
    const names = amqpTopology(namespace);
    const queues: string[] = [];
    const connection = await connectForTest(`${namespace} leftovers`);
    try {
      for (const queue of [names.eventsLogQueue, names.orchestrateQueue, names.taskQueue('x86_64')]) {
        const exists = await connection
          .withChannel((ch) => ch.checkQueue(queue))
          .then(
            () => true,
            () => false,
          );
        if (exists) queues.push(queue);
      }
    } finally {
      await connection.close();
    }
    const redis = new Redis(FARM_DEFAULTS.redisUrl);
    try {
      let count = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
        cursor = next;
        count += keys.length;
      } while (cursor !== '0');
      return { queues, redisKeys: count };
    } finally {
      redis.disconnect();
    }
  }

  /** Stops the farm once; later calls return the same report. */
  stop(): Promise<StopReport> {
    this.stopReport ??= (async () => {
      await this.events.close().catch(() => undefined);
      await this.admin.close().catch(() => undefined);
      try {
        return await this.farm.stop();
      } finally {
        rmSync(this.runDir, { recursive: true, force: true });
      }
    })();
    return this.stopReport;
  }
}
