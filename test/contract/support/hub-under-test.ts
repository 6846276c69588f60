import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KojiClient, type KojiClientOptions, type KojiValue } from '@koji-farm/koji';
import { HubSimulator, seedHub, type HubSimulatorOptions } from '../../koji-hub-sim';
import type { ContractHubConfig } from './contract-config';

/** A hub clock that tests move by hand (timeouts without sleeping). */
export class ManualClock {
  private seconds = Date.now() / 1000;
  readonly now = (): number => this.seconds;
  advance(ms: number): void {
    this.seconds += ms / 1000;
  }
}

export interface TaskSpec {
  method: string;
  args: KojiValue[];
  arch?: string;
  channel?: string;
  priority?: number;
}

/**
 * One hub for one test: a fresh simulator (with an admin, a host and a tag) or the
 * configured real hub. Tests call the hub only through KojiClient; `sim` is there for
 * setup and fault injection and is undefined against a real hub.
 */
export class HubUnderTest {
  readonly hostUser: string;
  readonly hostPassword: string;
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly tag: string;
  private readonly clients: KojiClient[] = [];

  private constructor(
    readonly hubUrl: string,
    readonly topUrl: string,
    readonly sim: HubSimulator | undefined,
    private readonly dir: string | undefined,
    cfg: { hostUser: string; hostPassword: string; adminUser: string; adminPassword: string; tag: string },
  ) {
    this.hostUser = cfg.hostUser;
    this.hostPassword = cfg.hostPassword;
    this.adminUser = cfg.adminUser;
    this.adminPassword = cfg.adminPassword;
    this.tag = cfg.tag;
  }

  /**
   * `seed`: the simulator gets the fixture RPMs, build groups, target f40-candidate and
   * a READY repo (seedHub); otherwise only the tag.
   */
  static async start(
    config: ContractHubConfig,
    simOptions: Partial<HubSimulatorOptions> = {},
    setup: { seed?: boolean } = {},
  ): Promise<HubUnderTest> {
    if (config.kind === 'real')
      return new HubUnderTest(config.hubUrl, config.topUrl, undefined, undefined, config);
    const dir = mkdtempSync(join(tmpdir(), 'koji-hub-sim-'));
    const sim = await HubSimulator.start({ dir, runIntervalMs: 0, ...simOptions });
    const cfg = {
      hostUser: 'builder-1',
      hostPassword: 'builder-1-pw',
      adminUser: 'kojiadmin',
      adminPassword: 'admin-pw',
      tag: 'f40-build',
    };
    const admin = { name: cfg.adminUser, password: cfg.adminPassword };
    const host = { name: cfg.hostUser, password: cfg.hostPassword, arches: 'x86_64', capacity: 10 };
    if (setup.seed) {
      await seedHub(sim, { admin, host, buildTag: cfg.tag });
    } else {
      sim.admin.addUser({ ...admin, perms: ['admin'] });
      sim.admin.addHost({ ...host, channels: ['default', 'createrepo'] });
      sim.admin.addTag({ name: cfg.tag, arches: 'x86_64', extra: { 'rpm.macro.dist': '.kf1' } });
    }
    return new HubUnderTest(sim.url, sim.topurl, sim, dir, cfg);
  }

  get isSim(): boolean {
    return this.sim !== undefined;
  }

  /** A client with short retries (tests must not wait a minute between attempts). */
  client(options: Partial<KojiClientOptions> = {}): KojiClient {
    const client = KojiClient.create({
      hubUrl: this.hubUrl,
      topUrl: this.topUrl,
      retry: { maxRetries: 5, intervalMs: 20 },
      timeouts: { connectMs: 2000, requestMs: 10_000, bodyMs: 10_000, loginMs: 5000 },
      ...options,
    });
    this.clients.push(client);
    return client;
  }

  /** The host's master session: login + exclusiveSession(force) as a taking-over hub-poller does. */
  async hostClient(): Promise<KojiClient> {
    const client = this.client();
    await client.login(this.hostUser, this.hostPassword);
    await client.exclusiveSession(true);
    return client;
  }

  async adminClient(): Promise<KojiClient> {
    const client = this.client();
    await client.login(this.adminUser, this.adminPassword);
    return client;
  }

  /** A task of any method: the admin-only `makeTask` call, as a real hub offers it. */
  async makeTask(spec: TaskSpec): Promise<number> {
    const admin = await this.adminClient();
    const kwargs: Record<string, KojiValue> = {};
    if (spec.arch !== undefined) kwargs.arch = spec.arch;
    if (spec.channel !== undefined) kwargs.channel = spec.channel;
    if (spec.priority !== undefined) kwargs.priority = spec.priority;
    const id = await admin.call<number>('makeTask', [spec.method, spec.args], kwargs);
    await admin.logout();
    return id;
  }

  /** Marks the host ready and lets the scheduler assign: the host loop's updateHost + getTasks. */
  async checkIn(
    host: KojiClient,
    load = 0,
    data: Record<string, KojiValue> = { maxjobs: 10 },
  ): Promise<Array<Record<string, KojiValue>>> {
    await host.call('host.updateHost', [load, true, data]);
    return host.call<Array<Record<string, KojiValue>>>('host.getTasks');
  }

  async stop(): Promise<void> {
    for (const c of this.clients) {
      try {
        if (!this.sim) await c.logout(); // a real hub keeps sessions (and exclusive locks) otherwise
        await c.close();
      } catch {
        // best effort: a test may have closed it already
      }
    }
    if (this.sim) await this.sim.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
