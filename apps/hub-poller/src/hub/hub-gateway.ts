import { Inject, Injectable } from '@nestjs/common';
import { type z } from 'zod';
import {
  AuthError,
  AuthLockError,
  GenericError,
  HubConnectionError,
  type KojiClient,
  KojiFault,
  KojiClientFactory,
  failTaskOnce,
  type HubCall,
  multiCall,
  type KojiValue,
  type MultiCallEntry,
  type MultiCallOutcome,
  type SessionCredentials,
} from '@koji-farm/koji';
import { type LoggerLike } from '@koji-farm/observability';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { HubReplyInvalidError } from '../errors/hub-reply-invalid.error';
import { PollerMetrics } from '../health/poller-metrics';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { HubConnectionState } from './hub-connection-state';
import { loginWith } from './hub-login';
import {
  assignedTasksReply,
  buildrootsReply,
  echoReply,
  hostIdReply,
  hostInfoReply,
  hostTasksReply,
  taskInfoWithRequestReply,
  taskStateReply,
  type AssignedTask,
  type Buildroot,
  type HostInfo,
  type HostTask,
  type TaskInfoWithRequest,
  type TaskState,
} from './hub-replies.schema';
import { BUILDROOT_STATE } from './koji-states';

/** Calls per multicall request: 50 tasks' open, weight and subsession. */
const MULTICALL_BATCH = 150;

interface CallContext {
  signal?: AbortSignal;
  /** Named in a HubReplyInvalidError so the log line says which task it was about. */
  taskId?: number;
}

/**
 * The one adapter between the poller and the hub: the master session (login, exclusive
 * session, logout) and every call of the host loop, each timed, counted and its reply
 * checked against hub-replies.schema.ts before the loop relies on it.
 */
@Injectable()
export class HubGateway {
  readonly connection = new HubConnectionState();
  private client: KojiClient | null = null;
  private hostIdValue: number | null = null;
  private readonly logger: LoggerLike;

  constructor(
    private readonly factory: KojiClientFactory,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
    private readonly metrics: PollerMetrics,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'hub' });
  }

  get loggedIn(): boolean {
    return this.client?.sessionId !== undefined;
  }

  get exclusive(): boolean {
    return this.client?.isExclusive ?? false;
  }

  /** The master session's id (not a secret): subsessions minted from another one are dead. */
  get sessionId(): number | undefined {
    return this.client?.sessionId;
  }

  get hostId(): number | null {
    return this.hostIdValue;
  }

  /** Logs in as the host (a shared session: a standby holds one, ready to take over). */
  async login(signal?: AbortSignal): Promise<void> {
    if (this.loggedIn) return;
    await this.dropSession();
    const client = this.factory.create({ logger: this.connection.clientLogger(this.logger) });
    this.client = client;
    await this.timed('login', () => loginWith(client, this.config.hub.auth, signal));
  }

  /**
   * Takes the host's exclusive session with force (only the lease holder calls this, so
   * any other exclusive session of this user is a dead or fenced ex-leader), then checks
   * the hub as kojid does: `echo('OK')`, `host.getID()`.
   */
  async takeExclusive(signal?: AbortSignal): Promise<number> {
    const client = this.requireClient();
    if (!client.isExclusive) {
      try {
        await this.timed('exclusiveSession', () => client.exclusiveSession(true, { signal }));
      } catch (err) {
        // "session is already exclusive": ours still is (we were leader before).
        if (!(err instanceof GenericError && /already exclusive/.test(err.faultString))) throw err;
      }
    }
    await this.call('echo', ['OK'], undefined, echoReply, { signal });
    this.hostIdValue = await this.call('host.getID', [], undefined, hostIdReply, { signal });
    return this.hostIdValue;
  }

  getHostTasks(signal?: AbortSignal): Promise<HostTask[]> {
    return this.call('host.getHostTasks', [], undefined, hostTasksReply, { signal });
  }

  getHost(signal?: AbortSignal): Promise<HostInfo> {
    return this.call('host.getHost', [], undefined, hostInfoReply, { signal });
  }

  async updateHost(
    taskLoad: number,
    ready: boolean,
    data: { methods: string[]; maxjobs: number } | null,
    signal?: AbortSignal,
  ): Promise<void> {
    const params: KojiValue[] = [taskLoad, ready];
    if (data) params.push({ methods: data.methods, maxjobs: data.maxjobs });
    await this.call('host.updateHost', params, undefined, null, { signal });
  }

  getTasks(signal?: AbortSignal): Promise<AssignedTask[]> {
    return this.call('host.getTasks', [], undefined, assignedTasksReply, { signal });
  }

  /** `getTaskInfo(id)`: null when the task does not exist. */
  async getTaskState(taskId: number, signal?: AbortSignal): Promise<TaskState | null> {
    return this.call('getTaskInfo', [taskId], undefined, taskStateReply.nullable(), { signal, taskId });
  }

  getTaskInfoWithRequest(taskId: number, signal?: AbortSignal): Promise<TaskInfoWithRequest | null> {
    return this.call('getTaskInfo', [taskId, true], undefined, taskInfoWithRequestReply.nullable(), {
      signal,
      taskId,
    });
  }

  async refuseTask(taskId: number, soft: boolean, message: string, signal?: AbortSignal): Promise<void> {
    await this.call('host.refuseTask', [taskId, soft, message], undefined, null, { signal, taskId });
  }

  async freeTasks(taskIds: number[], signal?: AbortSignal): Promise<void> {
    if (taskIds.length === 0) return;
    await this.call('host.freeTasks', [taskIds], undefined, null, { signal });
  }

  /**
   * Fails a task the poller cannot hand to executors, with a Koji fault document; a
   * resend after a lost reply that finds it FAILED with this fault counts as done (ADR 0037).
   */
  async failTask(taskId: number, message: string, signal?: AbortSignal): Promise<void> {
    const client = this.requireClient();
    const call: HubCall = (method, params, kwargs) =>
      this.timed(method, () => client.call(method, params, kwargs, { signal }), taskId);
    await failTaskOnce(call, taskId, 1, message);
  }

  /** A new subsession of the master session, for one task. Its key is a secret. */
  async mintSubsession(taskId: number, signal?: AbortSignal): Promise<SessionCredentials> {
    const client = this.requireClient();
    return this.timed('subsession', () => client.mintSubsession({ signal }), taskId);
  }

  async logoutChild(sessionId: number, signal?: AbortSignal): Promise<void> {
    const client = this.requireClient();
    await this.timed('logoutChild', () => client.logoutChild(sessionId, { signal }));
  }

  listBuildroots(hostId: number, signal?: AbortSignal): Promise<Buildroot[]> {
    const states = [BUILDROOT_STATE.INIT, BUILDROOT_STATE.WAITING, BUILDROOT_STATE.BUILDING];
    return this.call('listBuildroots', [], { hostID: hostId, state: states }, buildrootsReply, { signal });
  }

  async expireBuildroot(buildrootId: number, signal?: AbortSignal): Promise<void> {
    await this.call('host.setBuildRootState', [buildrootId, BUILDROOT_STATE.EXPIRED], undefined, null, {
      signal,
    });
  }

  /**
   * Several calls in one request (`multiCall`, each in its own savepoint on the hub):
   * one outcome per call, a fault for one never stops the others. Replies are checked
   * by the caller.
   */
  async multi(calls: MultiCallEntry[], signal?: AbortSignal): Promise<MultiCallOutcome[]> {
    const client = this.requireClient();
    if (calls.length === 0) return [];
    const outcomes = await this.timed('multiCall', () =>
      multiCall(client, calls, { signal, batch: MULTICALL_BATCH }),
    );
    for (const [i, outcome] of outcomes.entries()) {
      if (!outcome.ok) this.metrics.hubFaults.inc({ method: calls[i].methodName, fault: outcome.error.name });
    }
    return outcomes;
  }

  /** Checks one multicall result against a reply schema (HubReplyInvalidError naming the task). */
  check<S extends z.ZodType>(method: string, schema: S, value: KojiValue, taskId?: number): z.output<S> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.metrics.hubFaults.inc({ method, fault: HubReplyInvalidError.name });
    throw new HubReplyInvalidError(method, parsed.error, taskId);
  }

  /** Ends the master session (and with it every subsession). Sent once; errors are the caller's to log. */
  async logout(signal?: AbortSignal): Promise<void> {
    const client = this.client;
    if (!client || !this.loggedIn) return;
    try {
      await this.timed('logout', () => client.logout({ signal }));
    } finally {
      await this.dropSession();
    }
  }

  /** Forgets the session without telling the hub (it was closed there: forced away). */
  async dropSession(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.hostIdValue = null;
    if (client) await client.close();
  }

  /**
   * The hub closed our session (AuthError 1002: "Invalid session", a forced exclusive
   * session) or gave the exclusive lock to another (AuthLockError 1006): we are not the
   * host any more. By code, not class: RetryError, SequenceError and AuthExpired are
   * AuthError subclasses too, and mean something else.
   */
  static isSessionLost(err: unknown): boolean {
    return (
      err instanceof KojiFault &&
      (err.faultCode === AuthError.faultCode || err.faultCode === AuthLockError.faultCode)
    );
  }

  private async call<S extends z.ZodType>(
    method: string,
    params: KojiValue[],
    kwargs: Record<string, KojiValue> | undefined,
    schema: S | null,
    context: CallContext,
  ): Promise<z.output<S>> {
    const client = this.requireClient();
    const reply = await this.timed(
      method,
      () => client.call(method, params, kwargs, { signal: context.signal }),
      context.taskId,
    );
    if (!schema) return undefined as z.output<S>;
    return this.check(method, schema, reply, context.taskId);
  }

  private async timed<T>(method: string, run: () => Promise<T>, taskId?: number): Promise<T> {
    const stop = this.metrics.hubCallDuration.startTimer({ method });
    try {
      const result = await run();
      this.connection.markAnswered();
      return result;
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error';
      this.metrics.hubFaults.inc({ method, fault: name });
      if (err instanceof HubConnectionError) this.connection.markUnreachable();
      else if (err instanceof Error && 'faultCode' in err) this.connection.markAnswered();
      this.logger.debug(
        { method, taskId, err: { name, message: (err as Error).message } },
        'hub call failed',
      );
      throw err;
    } finally {
      stop();
      this.metrics.hubConnected.set(this.connection.connected ? 1 : 0);
    }
  }

  private requireClient(): KojiClient {
    if (!this.client) throw new AuthError('the poller has no hub session: log in first');
    return this.client;
  }
}
