import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KojiClient, type KojiClientOptions, type KojiValue } from '@koji-farm/koji';
import { HubSimulator, seedHub, type HubSimulatorOptions } from '../../koji-hub-sim';
import type { ContractHubConfig } from './contract-config';
import { HostCheckIn, type AssignedTask, type CheckInOptions, type HubPace } from './host-check-in';
import { HubWorld, RUN_CHANNEL } from './hub-world';

/** A hub clock that tests move by hand (timeouts without sleeping). */
export class ManualClock {
  private seconds = Date.now() / 1000;
  readonly now = (): number => this.seconds;
  advance(ms: number): void {
    this.seconds += ms / 1000;
  }
}

/**
 * The simulator's RunInterval in the contract tests: that of the real hub the suite was
 * measured against (hub.conf `RunInterval = 5`). It costs nothing: the simulator's
 * clock is a ManualClock that the check-in loop moves instead of sleeping.
 */
const SIM_RUN_INTERVAL_MS = 5000;
/** The channels the test host must be in: the hub's own `default` and `createrepo`, and this run's. */
const HOST_CHANNELS = ['default', 'createrepo', RUN_CHANNEL];

export type SimOptions = Omit<Partial<HubSimulatorOptions>, 'dir' | 'clock'>;

export interface HarnessSetup {
  /** The simulator gets the fixture RPMs, build groups, target f40-candidate and a READY repo. */
  seed?: boolean;
  /** Options of every client (e.g. the CA of a TLS simulator); `client()` may add more. */
  client?: Partial<KojiClientOptions>;
}

export interface TaskSpec {
  method: string;
  args: KojiValue[];
  arch?: string;
  /** Default: this run's own channel (`hut.channel`), which only the test host is in. */
  channel?: string;
  priority?: number;
}

/**
 * One hub for one test: a fresh simulator (with an admin, a host and a tag) or the
 * configured real hub. Tests call the hub only through KojiClient; `sim` (and `clock`)
 * are there for setup, fault injection and timeouts, and are undefined against a real
 * hub. A test makes what it needs with unique names (`world`), checks in as a host
 * does (`checkIn`), and its unfinished tasks are canceled when it stops.
 */
export class HubUnderTest {
  readonly hostUser: string;
  readonly hostPassword: string;
  readonly adminUser: string;
  readonly adminPassword: string;
  /** An existing build tag: the simulator's `f40-build`, or KOJI_TEST_TAG on a real hub. */
  readonly tag: string;
  readonly world: HubWorld;
  /** This run's own channel: only the test host is in it. */
  readonly channel = RUN_CHANNEL;
  private readonly clients: KojiClient[] = [];
  private readonly checkIns: HostCheckIn;
  private adminSession: Promise<KojiClient> | undefined;
  /** The newest task id when the test began: older tasks are left over from earlier runs. */
  private baseline = 0;

  private constructor(
    readonly hubUrl: string,
    readonly topUrl: string,
    readonly sim: HubSimulator | undefined,
    readonly clock: ManualClock | undefined,
    private readonly dir: string | undefined,
    private readonly pace: HubPace,
    cfg: { hostUser: string; hostPassword: string; adminUser: string; adminPassword: string; tag: string },
    private readonly clientDefaults: Partial<KojiClientOptions>,
  ) {
    this.hostUser = cfg.hostUser;
    this.hostPassword = cfg.hostPassword;
    this.adminUser = cfg.adminUser;
    this.adminPassword = cfg.adminPassword;
    this.tag = cfg.tag;
    this.world = new HubWorld(() => this.sharedAdmin(), this.adminUser, this.hostUser);
    this.checkIns = new HostCheckIn(pace, (id) => id <= this.baseline);
  }

  /**
   * Against the simulator: a fresh one with an admin, the host and the tag `f40-build`
   * (`setup.seed`: and seedHub's content). Against a real hub: the configured one.
   * Either way the host is put into its channels and the newest task id noted.
   */
  static async start(
    config: ContractHubConfig,
    simOptions: SimOptions = {},
    setup: HarnessSetup = {},
  ): Promise<HubUnderTest> {
    const hut =
      config.kind === 'real'
        ? HubUnderTest.real(config, setup)
        : await HubUnderTest.simulated(simOptions, setup);
    try {
      await hut.world.prepareHost(HOST_CHANNELS);
      hut.baseline = await hut.world.lastTaskId();
    } catch (err) {
      await hut.stop();
      throw err;
    }
    return hut;
  }

  private static real(
    config: Extract<ContractHubConfig, { kind: 'real' }>,
    setup: HarnessSetup,
  ): HubUnderTest {
    const pace: HubPace = {
      runIntervalMs: config.runIntervalS * 1000,
      nowMs: () => Date.now(),
      pause: (ms) => sleep(ms),
    };
    return new HubUnderTest(
      config.hubUrl,
      config.topUrl,
      undefined,
      undefined,
      undefined,
      pace,
      config,
      setup.client ?? {},
    );
  }

  private static async simulated(simOptions: SimOptions, setup: HarnessSetup): Promise<HubUnderTest> {
    const dir = mkdtempSync(join(tmpdir(), 'koji-hub-sim-'));
    const clock = new ManualClock();
    const sim = await HubSimulator.start({
      dir,
      runIntervalMs: SIM_RUN_INTERVAL_MS,
      ...simOptions,
      clock: clock.now,
    });
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
      // The marker groups: contract tests run no buildroot.
      await seedHub(sim, { admin, host, buildTag: cfg.tag, distribution: 'markers' });
    } else {
      sim.admin.addUser({ ...admin, perms: ['admin'] });
      sim.admin.addHost({ ...host, channels: ['default', 'createrepo'] });
      sim.admin.addTag({ name: cfg.tag, arches: 'x86_64', extra: { 'rpm.macro.dist': '.kf1' } });
    }
    // As on a hub where other hosts check in: the scheduler has just run, so a test's
    // first check-in finds it waiting for the next RunInterval.
    sim.admin.runScheduler({ force: false });
    const pace: HubPace = {
      runIntervalMs: sim.hubOptions.runInterval * 1000,
      nowMs: () => clock.now() * 1000,
      pause: (ms) => {
        clock.advance(ms);
        return Promise.resolve();
      },
    };
    return new HubUnderTest(sim.url, sim.topurl, sim, clock, dir, pace, cfg, setup.client ?? {});
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
      ...this.clientDefaults,
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
    const kwargs: Record<string, KojiValue> = { channel: spec.channel ?? this.channel };
    if (spec.arch !== undefined) kwargs.arch = spec.arch;
    if (spec.priority !== undefined) kwargs.priority = spec.priority;
    return (await this.sharedAdmin()).call<number>('makeTask', [spec.method, spec.args], kwargs);
  }

  /**
   * Checks the host in (`host.updateHost` + `host.getTasks`) until every task of
   * `want` is assigned to it, as a host keeps checking in; returns `host.getTasks`'s
   * answer. Fails after about three RunIntervals.
   */
  checkIn(
    host: KojiClient,
    want: number | readonly number[],
    options?: CheckInOptions,
  ): Promise<AssignedTask[]> {
    return this.checkIns.until(host, typeof want === 'number' ? [want] : want, options);
  }

  /** Checks in until the scheduler must have run once for the host (or it got a task). */
  checkInThroughARun(host: KojiClient, options?: CheckInOptions): Promise<AssignedTask[]> {
    return this.checkIns.throughARun(host, options);
  }

  /** Lets one RunInterval pass, as a host waits (the simulator's clock moves on instead). */
  waitRunInterval(): Promise<void> {
    return this.pace.pause(this.pace.runIntervalMs);
  }

  /** One check-in, for tests of when the scheduler runs. */
  checkInOnce(host: KojiClient, options?: CheckInOptions): Promise<AssignedTask[]> {
    return this.checkIns.once(host, options);
  }

  /** Treats every task made so far as left over by an earlier run (tests of the harness itself). */
  async forgetTasksSoFar(): Promise<void> {
    this.baseline = await this.world.lastTaskId();
  }

  async stop(): Promise<void> {
    if (!this.sim) {
      // a real hub keeps everything: no task of this test may run later elsewhere
      await this.world.cancelTasksAfter(this.baseline).catch(() => undefined);
    }
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

  /** One admin session for the harness's own calls (setup, makeTask, teardown). */
  private sharedAdmin(): Promise<KojiClient> {
    this.adminSession ??= this.adminClient();
    return this.adminSession;
  }
}
