import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { HubAdmin } from './admin/hub-admin';
import { parseKojiVersion } from './auth/hub-version';
import { adminDispatch } from './admin/admin-dispatch';
import { SessionManager } from './auth/session-manager';
import { BuildService } from './builds/build-service';
import { BuildrootService } from './buildroots/buildroot-service';
import { TagService } from './catalog/tag-service';
import { HubDb } from './db/hub-db';
import { registerAdminExports } from './exports/admin-exports';
import { registerAuthExports } from './exports/auth-exports';
import { registerHostBuildExports } from './exports/host-build-exports';
import { registerHostTaskExports } from './exports/host-task-exports';
import { registerRootInfoExports } from './exports/root-info-exports';
import { registerRootTaskExports } from './exports/root-task-exports';
import { registerUploadExports } from './exports/upload-exports';
import { registerRepoExports } from './exports/repo-exports';
import { registerParentTaskExports } from './exports/parent-task-exports';
import { ExternalRepoService } from './catalog/external-repos';
import { FaultInjector } from './faults/fault-injector';
import { DEFAULT_HUB_OPTIONS, type HubOptions } from './hub-options';
import type { HubServices } from './hub-services';
import { HubRequestHandler } from './http/hub-request-handler';
import { HubServer, type TlsOptions } from './http/hub-server';
import { KojiDir } from './kojidir';
import { PolicyEngine } from './policy/policy-engine';
import { RepoService } from './repos/repo-service';
import { Dispatcher } from './rpc/dispatcher';
import { MethodRegistry } from './rpc/method-registry';
import { autoArchRefuse } from './scheduler/auto-arch-refusal';
import { TaskScheduler } from './scheduler/task-scheduler';
import { TaskService } from './tasks/task-service';
import { UploadService } from './uploads/upload-service';

export interface HubSimulatorOptions {
  /** KojiDir: work/, packages/, repos/ live here and are served at `topurl`. */
  dir: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Scheduler RunInterval in ms (real hub: 60000; default 1000). */
  runIntervalMs?: number;
  /** SessionRenewalTimeout in ms (real hub: 1440 min). */
  sessionTimeoutMs?: number;
  readyTimeoutMs?: number;
  assignTimeoutMs?: number;
  hostTimeoutMs?: number;
  softRefusalTimeoutMs?: number;
  /** The rest of hub.conf's settings, in the hub's units (seconds). */
  hub?: Partial<HubOptions>;
  /** HTTPS with client certificates for sslLogin (CN = user name). */
  tls?: TlsOptions;
  /** Plain HTTP only: honour X-Koji-Sim-Client-CN / X-Koji-Sim-Remote-User for sslLogin (default true). */
  trustAuthHeaders?: boolean;
  logger?: Logger;
  /** The hub's clock in epoch seconds (default: the wall clock); tests of timeouts pass their own. */
  clock?: () => number;
  /** pino level when no logger is given (default 'silent'). */
  logLevel?: string;
}

/**
 * A Koji 1.35 hub in one process: XML-RPC at `url`, the KojiDir at `topurl`, an
 * admin API (`admin`, or `POST <base>/sim/admin/<method>`) and fault injection
 * (`faults`, `goDown`). See test/koji-hub-sim/README.md.
 */
export class HubSimulator {
  readonly faults = new FaultInjector();
  readonly admin: HubAdmin;
  readonly services: HubServices;
  private options: HubOptions;
  private readonly server: HubServer;
  private downTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly o: HubSimulatorOptions) {
    const topdir = resolve(o.dir);
    for (const sub of ['work', 'packages', 'repos', 'scratch'])
      mkdirSync(join(topdir, sub), { recursive: true });
    const logger =
      o.logger ??
      pino({
        name: 'koji-hub-sim',
        level: o.logLevel ?? 'silent',
        redact: ['*.password', '*.key', '*["session-key"]'],
      });
    const ms = (v: number | undefined): number | undefined => (v === undefined ? undefined : v / 1000);
    this.options = {
      ...DEFAULT_HUB_OPTIONS,
      ...definedOnly({
        runInterval: ms(o.runIntervalMs),
        sessionRenewalTimeout: ms(o.sessionTimeoutMs),
        readyTimeout: ms(o.readyTimeoutMs),
        assignTimeout: ms(o.assignTimeoutMs),
        hostTimeout: ms(o.hostTimeoutMs),
        softRefusalTimeout: ms(o.softRefusalTimeoutMs),
      }),
      ...o.hub,
    };
    parseKojiVersion(this.options.kojiVersion);
    const opts = (): HubOptions => this.options;
    const db = new HubDb(o.clock);
    const dir = new KojiDir(topdir);
    const tasks = new TaskService(db, logger);
    const tags = new TagService(db);
    const builds = new BuildService(db, dir, tags);
    const base = {
      db,
      dir,
      opts,
      logger,
      tasks,
      tags,
      builds,
      sessions: new SessionManager(db, opts),
      scheduler: new TaskScheduler(db, tasks, opts, logger),
      buildroots: new BuildrootService(db, builds),
      repos: new RepoService(db, dir, tags, builds),
      policy: new PolicyEngine(db),
      externalRepos: new ExternalRepoService(db),
    };
    this.services = { ...base, onTaskCreated: (id) => autoArchRefuse(base, id) };
    const registry = new MethodRegistry();
    const uploads = new UploadService(this.services);
    registerAuthExports(registry, this.services);
    registerRootInfoExports(registry, this.services);
    registerRootTaskExports(registry, this.services);
    registerHostTaskExports(registry, this.services);
    registerHostBuildExports(registry, this.services);
    registerUploadExports(registry, this.services, uploads);
    registerRepoExports(registry, this.services);
    registerAdminExports(registry, this.services);
    registerParentTaskExports(registry, this.services);
    this.admin = new HubAdmin(this.services, (patch) => (this.options = { ...this.options, ...patch }));
    for (const name of ['default', 'createrepo']) this.admin.addChannel({ name });
    const dispatcher = new Dispatcher(registry, this.services.sessions, db, logger, this.faults.filterResult);
    const handler = new HubRequestHandler({
      db,
      dispatcher,
      uploads,
      faults: this.faults,
      opts,
      topdir,
      logger,
      trustAuthHeaders: o.tls ? false : (o.trustAuthHeaders ?? true),
      admin: (op, body) => adminDispatch(this.admin, op, body),
    });
    this.server = new HubServer(o.host ?? '127.0.0.1', (req, res) => handler.handle(req, res), o.tls, logger);
  }

  static async start(options: HubSimulatorOptions): Promise<HubSimulator> {
    const sim = new HubSimulator(options);
    await sim.server.listen(options.port ?? 0);
    return sim;
  }

  get port(): number {
    return this.server.port;
  }

  get baseUrl(): string {
    return `${this.o.tls ? 'https' : 'http'}://${this.o.host ?? '127.0.0.1'}:${this.server.port}`;
  }

  /** The hub's XML-RPC URL. */
  get url(): string {
    return `${this.baseUrl}/kojihub`;
  }

  get topurl(): string {
    return `${this.baseUrl}/kojifiles`;
  }

  get dir(): string {
    return this.services.dir.topdir;
  }

  get hubOptions(): Readonly<HubOptions> {
    return this.options;
  }

  /** The hub goes down (connections refused, open ones cut); back up after `ms` if given. */
  async goDown(ms?: number): Promise<void> {
    clearTimeout(this.downTimer);
    await this.server.close();
    if (ms !== undefined) {
      this.downTimer = setTimeout(() => {
        this.comeUp().catch((error: unknown) =>
          this.services.logger.error({ err: error }, 'could not reopen the hub port'),
        );
      }, ms);
    }
  }

  /** Listens again on the same port. */
  async comeUp(): Promise<void> {
    clearTimeout(this.downTimer);
    if (!this.stopped) await this.server.reopen();
  }

  /** Stops listening. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.downTimer);
    await this.server.close();
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
