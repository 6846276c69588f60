import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  FarmCleanup,
  FarmPidFile,
  freePort,
  launchFarm,
  REPO_ROOT,
  type FarmSpec,
  type RunningFarm,
} from '../farm-launcher';
import { FARM_DEFAULTS } from '../farm-launcher/farm-spec';
import { HubUser } from '../koji-cli/hub-user';
import { demoStateFile, type DemoState } from '../koji-cli/demo-state';
import { type DemoOptions, HUB_AUTH_KEYS } from './demo-config';
import { type DemoJob, planDemo } from './demo-jobs';
import { chooseDemoNamespace } from './demo-namespace';
import { FarmEventFeed } from './farm-event-feed';
import { ProgressPrinter } from './progress-printer';
import { waitUntilFinished } from './task-watch';
import { formatDuration } from './task-board';

/**
 * The demo's farm: its own AMQP namespace and Redis prefix, `demo` unless a farm runs
 * there (another demo, from this checkout or another): then `demo-2`, `demo-3`, ...
 */
export const DEMO_NAMESPACE = 'demo';

/** Logs, the simulator's KojiDir, farm.json: `.tmp/<namespace>/`, emptied by each run. */
export function demoRunDir(namespace: string): string {
  return join(REPO_ROOT, '.tmp', namespace);
}

/** Outside the run dir, which each run empties. */
function pidFilePath(namespace: string): string {
  return join(REPO_ROOT, '.tmp', `${namespace}-processes.json`);
}

/** A task of the demo did not end CLOSED. */
export class DemoTaskFailedError extends Error {
  override readonly name = 'DemoTaskFailedError';
}

/**
 * One run of `npm run demo`: prepare a clean namespace, start the farm, show the
 * progress of the farm's events, submit the demo's jobs and check their outcome on the
 * hub; then stop (`--once`) or keep the farm running until Ctrl-C.
 */
export class DemoRun {
  farm?: RunningFarm;
  private feed?: FarmEventFeed;
  private readonly clients: HubUser[] = [];
  private printer?: ProgressPrinter;
  private readonly startedAt = Date.now();
  private runDir?: string;

  constructor(
    private readonly options: DemoOptions,
    private readonly write: (line: string) => void,
    readonly abort: AbortSignal,
  ) {}

  /** Starts the farm and connects to it; returns once it takes work. */
  async start(): Promise<void> {
    const namespace = await this.chooseNamespace();
    this.runDir = demoRunDir(namespace);
    rmSync(this.runDir, { recursive: true, force: true });
    mkdirSync(this.runDir, { recursive: true });
    const spec = this.farmSpec(namespace, await freePort(this.options.port));
    await this.cleanNamespace(spec);

    const external = spec.hub.kind === 'external';
    this.write(`koji-farm demo (namespace ${namespace})`);
    this.write(`  dashboard  http://127.0.0.1:${spec.monitorPort}/`);
    this.write(`  logs       ${relative(process.cwd(), join(this.runDir, 'logs'))}/ (one file per process)`);
    this.write(
      `starting ${external ? `a farm for ${spec.hub.kind === 'external' ? spec.hub.url : ''}` : 'the hub simulator (seeded)'}, ` +
        `the monitor, a hub-poller and ${spec.executors.count} executors (${spec.executors.slots} slots each) ...`,
    );
    const pidFile = new FarmPidFile(pidFilePath(namespace));
    const farm = await launchFarm(spec, { signal: this.abort, pidFile });
    this.farm = farm;
    for (const p of farm.processes) this.write(`  ${p.name.padEnd(18)} pid ${p.pid}`);
    if (farm.hub.simulator)
      this.write(
        `  hub ${farm.hub.url}: tag ${farm.hub.simulator.seed?.buildTag}, target ${farm.hub.simulator.seed?.target}, ` +
          `repo ${farm.hub.simulator.seed?.repoId}`,
      );
    this.write(`farm ready in ${formatDuration(Date.now() - this.startedAt)}`);

    const reader = await this.client();
    const printer = new ProgressPrinter(reader, farm.monitorUrl, this.write);
    this.printer = printer;
    this.feed = await FarmEventFeed.connect(farm.monitorUrl, {
      onEvent: (event) => printer.push(event),
      onTrouble: (message) => printer.say(message),
    });
    if (farm.hub.simulator) this.writeState(farm);
  }

  /** Submits the demo's jobs one after the other; throws on the first that fails. */
  async submitSamples(): Promise<void> {
    const farm = this.farm!;
    const seed = farm.hub.simulator?.seed;
    if (!seed) return;
    const admin = await this.client(FARM_DEFAULTS.seededAdmin);
    const plan = planDemo(seed, join(farm.spec.runDir, 'hub'), await this.offeredMethods());
    if (plan.note) this.printer!.say(`note: ${plan.note}`);
    this.write('Watching tasks (Ctrl-C stops the farm) ...');
    for (const job of plan.jobs) await this.runJob(job, admin);
    this.printer!.say(`all done in ${formatDuration(Date.now() - this.startedAt)} since the start`);
  }

  /** What to tell the user while the farm keeps running. */
  printHowToSubmit(): void {
    const farm = this.farm!;
    const seed = farm.hub.simulator?.seed;
    this.write('');
    this.write(
      `The farm keeps running until Ctrl-C. Dashboard: http://127.0.0.1:${new URL(farm.monitorUrl).port}/`,
    );
    if (!seed) {
      this.write(`It takes the tasks the hub ${farm.hub.url} assigns to its build host.`);
      return;
    }
    const srpms = relative(process.cwd(), join(farm.spec.runDir, 'hub', 'work', 'sim-fixtures'));
    const namespace = farm.spec.namespace;
    const koji = namespace === DEMO_NAMESPACE ? 'npm run koji --' : `npm run koji -- --farm ${namespace}`;
    this.write(
      `Submit more from another terminal (the commands find this farm through ${relative(process.cwd(), demoStateFile(namespace))}):`,
    );
    this.write(`  ${koji} build ${seed.target} ${srpms}/kf-hello-1.0-1.src.rpm`);
    this.write(
      `  ${koji} build ${seed.target} ${srpms}/kf-broken-1.0-1.src.rpm    # fails in %build on purpose`,
    );
    this.write(`  ${koji} regen-repo ${seed.buildTag}`);
    this.write(`  ${koji} build-arch ${seed.srpms.hello}                   # one buildArch task`);
    this.write(
      `or with Koji's own client: koji --server ${farm.hub.url} --authtype password ` +
        `--user ${FARM_DEFAULTS.seededAdmin.user} --password ${FARM_DEFAULTS.seededAdmin.password} build ...`,
    );
  }

  /** Stops everything it started; safe to call more than once and before start finished. */
  async stop(): Promise<void> {
    await this.feed?.close().catch(() => undefined);
    for (const client of this.clients.splice(0)) await client.close().catch(() => undefined);
    const farm = this.farm;
    if (!farm) return;
    const report = await farm.stop();
    for (const [name, exit] of Object.entries(report.exits))
      if (exit.code !== 0) this.write(`  ${name} exited with ${exit.signal ?? `status ${exit.code}`}`);
    if (report.leftoverContainers.length > 0)
      this.write(`  removed containers left behind: ${report.leftoverContainers.join(', ')}`);
    if (this.runDir) rmSync(join(this.runDir, 'farm.json'), { force: true });
  }

  private async runJob(job: DemoJob, admin: HubUser): Promise<void> {
    const printer = this.printer!;
    const taskId = await job.submit(admin);
    printer.say(`submitted ${job.title}: task ${taskId}`);
    const state = await waitUntilFinished(admin, printer, taskId, this.abort);
    const tree = printer.board.tree(taskId);
    printer.say(`task ${taskId} ${state.toLowerCase()}; its tasks: ${printer.board.summary(tree)}`);
    if (state !== 'CLOSED') {
      const failure = await admin.taskFailure(taskId);
      throw new DemoTaskFailedError(`task ${taskId} (${job.title}) ${state}${failure ? `: ${failure}` : ''}`);
    }
    for (const line of await job.verify(admin, taskId)) printer.say(line);
  }

  private chooseNamespace(): Promise<string> {
    return chooseDemoNamespace({
      base: DEMO_NAMESPACE,
      chosen: this.options.namespace,
      pidFile: pidFilePath,
      amqpUrl: this.options.env.AMQP_URL,
      redisUrl: this.options.env.REDIS_URL,
      write: this.write,
    });
  }

  private farmSpec(namespace: string, monitorPort: number): FarmSpec {
    const env = this.options.env;
    const auth: Record<string, string> = {};
    for (const key of HUB_AUTH_KEYS) if (env[key] !== undefined) auth[key] = String(env[key]);
    return {
      runDir: demoRunDir(namespace),
      namespace,
      hub: env.KOJI_HUB_URL
        ? { kind: 'external', url: env.KOJI_HUB_URL, topurl: env.KOJI_TOPURL!, auth }
        : { kind: 'simulator', seed: true },
      executors: {
        count: this.options.executors,
        slots: this.options.slots,
        arches: FARM_DEFAULTS.arches,
        idPrefix: `${namespace}-executor`,
      },
      monitorPort,
      amqpUrl: env.AMQP_URL,
      redisUrl: env.REDIS_URL,
      podmanSocket: env.PODMAN_SOCKET,
      shutdownGraceSeconds: 5,
    };
  }

  /** A run killed earlier may have left queues, keys or containers in the namespace. */
  private async cleanNamespace(spec: FarmSpec): Promise<void> {
    const cleanup = new FarmCleanup({ ...spec, arches: spec.executors.arches });
    const containers = await cleanup.removeContainers();
    if (containers.length > 0)
      this.write(`removed containers an earlier demo left: ${containers.map((c) => c.name).join(', ')}`);
    await cleanup.deleteBrokerTopology();
    await cleanup.deleteRedisKeys();
  }

  private async offeredMethods(): Promise<Set<string>> {
    const response = await fetch(`${this.farm!.monitorUrl}/api/v1/executors`);
    const body = (await response.json()) as { items: Array<{ state: string; methods: string[] }> };
    return new Set(body.items.filter((e) => e.state === 'alive').flatMap((e) => e.methods));
  }

  private async client(login?: { user: string; password: string }): Promise<HubUser> {
    const farm = this.farm!;
    const client = await HubUser.connect({ url: farm.hub.url, topurl: farm.hub.topurl }, login);
    this.clients.push(client);
    return client;
  }

  private writeState(farm: RunningFarm): void {
    const state: DemoState = {
      pid: process.pid,
      hub: { url: farm.hub.url, topurl: farm.hub.topurl },
      admin: FARM_DEFAULTS.seededAdmin,
      monitorUrl: farm.monitorUrl,
      seed: farm.hub.simulator?.seed,
    };
    writeFileSync(demoStateFile(farm.spec.namespace), JSON.stringify(state, null, 2));
  }
}
