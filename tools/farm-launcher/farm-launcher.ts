import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FarmCleanup } from './farm-cleanup';
import {
  executorEnvironment,
  monitorEnvironment,
  pollerEnvironment,
  seededHostAuth,
  type ResolvedHub,
} from './farm-environment';
import { appStarted, spawnApp, startSimulator, type SimulatorFacts } from './farm-processes';
import { executorIds, type FarmSpec } from './farm-spec';
import { freePort } from './free-port';
import { type ManagedProcess, type ProcessExit } from './managed-process';
import { waitForFarmReady } from './farm-readiness';
import { type FarmPidFile } from './farm-pid-file';
import { NamespaceInUseError } from './errors';
import { namespaceOccupants } from './namespace-occupancy';

/** Bounds on the launcher's waits; a process that misses one fails the start with its last log lines. */
export interface LauncherTimeouts {
  /** The simulator's first seed builds the fixture RPMs. */
  hubMs: number;
  appStartMs: number;
  /** Executors heartbeating and the poller connected, as the monitor sees them. */
  readyMs: number;
}

export interface LaunchOptions {
  timeouts?: Partial<LauncherTimeouts>;
  /** Aborting stops the launch: what was started is stopped again and the launch rejects. */
  signal?: AbortSignal;
  /** Records the processes while they run (see FarmPidFile.stopLeftovers). */
  pidFile?: FarmPidFile;
}

const DEFAULT_TIMEOUTS: LauncherTimeouts = { hubMs: 600_000, appStartMs: 120_000, readyMs: 120_000 };

/** Grace before SIGKILL when stopping: executors get their own shutdown grace on top. */
const STOP_GRACE_MS = 20_000;

export interface StopReport {
  exits: Record<string, ProcessExit>;
  /** Containers of the farm's namespace still there after the executors stopped (then removed). */
  leftoverContainers: string[];
}

/** A started farm: where it answers, its processes, and `stop()`. */
export class RunningFarm {
  private stopping?: Promise<StopReport>;

  constructor(
    readonly spec: FarmSpec,
    readonly hub: ResolvedHub & { simulator?: SimulatorFacts },
    readonly monitorUrl: string,
    readonly pollerUrls: readonly string[],
    readonly executorIds: readonly string[],
    /** In start order: hub simulator (when bundled), monitor, pollers, executors. */
    readonly processes: readonly ManagedProcess[],
    private readonly pidFile?: FarmPidFile,
  ) {}

  get logDir(): string {
    return join(this.spec.runDir, 'logs');
  }

  process(name: string): ManagedProcess {
    const found = this.processes.find((p) => p.name === name);
    if (!found) throw new Error(`no process named ${name} in this farm`);
    return found;
  }

  /**
   * Stops every process in an order that loses nothing: pollers and executors first
   * (the poller frees queued tasks on the hub, executors requeue what runs), then the
   * monitor, then the hub simulator. Then removes any container, queue and Redis key of
   * the namespace. Safe to call more than once.
   */
  stop(): Promise<StopReport> {
    this.stopping ??= stopFarm(this.spec, this.processes).finally(() => this.pidFile?.clear());
    return this.stopping;
  }
}

/**
 * Starts a koji-farm as separate processes with one consistent configuration (AMQP
 * namespace, Redis prefix, ports, executor ids, Podman socket), each process's output
 * captured to `<runDir>/logs/<name>.log`. The demo (`npm run demo`) and the end-to-end
 * tests both use it.
 * @throws NamespaceInUseError when a farm runs in `spec.namespace` (nothing is started or deleted)
 */
export async function launchFarm(spec: FarmSpec, options: LaunchOptions = {}): Promise<RunningFarm> {
  const limits = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const logDir = join(spec.runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started: ManagedProcess[] = [];
  const track = (p: ManagedProcess) => {
    started.push(p);
    options.pidFile?.add(p.name, p.pid);
    return p;
  };
  const step = <T>(work: Promise<T>) => untilAborted(work, options.signal);
  // Before anything that could stop (and so clean up) the namespace of a farm that runs.
  const occupants = await step(namespaceOccupants({ ...spec, arches: spec.executors.arches }));
  if (occupants.length > 0) throw new NamespaceInUseError(spec.namespace, occupants);
  try {
    let hub: ResolvedHub & { simulator?: SimulatorFacts };
    if (spec.hub.kind === 'simulator') {
      const sim = await step(startSimulator(spec.hub, join(spec.runDir, 'hub'), logDir, limits.hubMs, track));
      hub = { url: sim.facts.url, topurl: sim.facts.topurl, auth: seededHostAuth(), simulator: sim.facts };
    } else {
      hub = { url: spec.hub.url, topurl: spec.hub.topurl, auth: spec.hub.auth };
    }

    const monitorPort = await freePort(spec.monitorPort);
    const monitor = track(
      spawnApp(
        'monitor',
        'monitor',
        monitorEnvironment(spec, monitorPort, `${spec.namespace}-monitor`),
        logDir,
        // Keeps its RSS under 200 MB (ADR 0044).
        '--max-old-space-size=160',
      ),
    );
    await step(appStarted(monitor, 'monitor', limits.appStartMs));

    const pollerUrls: string[] = [];
    const pollers: ManagedProcess[] = [];
    for (let i = 1; i <= (spec.pollers ?? 1); i++) {
      const port = await freePort();
      const name = spec.pollers && spec.pollers > 1 ? `hub-poller-${i}` : 'hub-poller';
      const poller = spawnApp(
        'hub-poller',
        name,
        pollerEnvironment(spec, hub, `${spec.namespace}-${name}`, port),
        logDir,
      );
      started.push(poller);
      pollers.push(poller);
      pollerUrls.push(`http://127.0.0.1:${port}`);
    }
    const ids = executorIds(spec);
    const executors = ids.map((id) => track(spawnApp('executor', id, executorEnvironment(spec, id), logDir)));
    await step(
      Promise.all([
        ...pollers.map((p) => appStarted(p, 'hub-poller', limits.appStartMs)),
        ...executors.map((e) => appStarted(e, 'executor', limits.appStartMs)),
      ]),
    );

    const monitorUrl = `http://127.0.0.1:${monitorPort}`;
    await step(
      waitForFarmReady(monitorUrl, {
        executorIds: ids,
        pollerUrls,
        processes: started,
        timeoutMs: limits.readyMs,
      }),
    );
    return new RunningFarm(spec, hub, monitorUrl, pollerUrls, ids, started, options.pidFile);
  } catch (err) {
    await stopFarm(spec, started).catch(() => undefined);
    options.pidFile?.clear();
    throw err;
  }
}

/** `work`, or an AbortError as soon as `signal` fires (the launch then stops what it started). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function stopFarm(spec: FarmSpec, processes: readonly ManagedProcess[]): Promise<StopReport> {
  const exits: Record<string, ProcessExit> = {};
  const stopAll = async (group: readonly ManagedProcess[], graceMs: number) => {
    await Promise.all(group.map(async (p) => (exits[p.name] = await p.stop(graceMs))));
  };
  const isApp = (p: ManagedProcess, prefix: string) => p.name.startsWith(prefix);
  const executorGraceMs = STOP_GRACE_MS + (spec.shutdownGraceSeconds ?? 10) * 1000;
  const pollersAndExecutors = processes.filter((p) => !isApp(p, 'monitor') && !isApp(p, 'hub-simulator'));
  await stopAll(pollersAndExecutors, executorGraceMs);
  await stopAll(
    processes.filter((p) => isApp(p, 'monitor')),
    STOP_GRACE_MS,
  );
  await stopAll(
    processes.filter((p) => isApp(p, 'hub-simulator')),
    STOP_GRACE_MS,
  );

  const cleanup = new FarmCleanup({ ...spec, arches: spec.executors.arches });
  const leftovers = await cleanup.removeContainers();
  await cleanup.deleteBrokerTopology();
  await cleanup.deleteRedisKeys();
  return { exits, leftoverContainers: leftovers.map((c) => c.name) };
}
