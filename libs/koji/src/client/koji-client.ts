import { GssapiLogin, type GssapiLoginOptions } from '../auth/gssapi-login';
import type { LoginCall, LoginContext, LoginStrategy } from '../auth/login-strategy';
import { PasswordLogin } from '../auth/password-login';
import { SslLogin } from '../auth/ssl-login';
import { ActionNotAllowed } from '../errors/action-not-allowed';
import { AuthError } from '../errors/auth-error';
import { AuthExpired } from '../errors/auth-expired';
import { AuthLockError } from '../errors/auth-lock-error';
import { ClientClosedError } from '../errors/client-closed-error';
import { KojiFault } from '../errors/koji-fault';
import { silentLogger, type KojiLogger } from '../logging/koji-logger';
import { parseSessionInfo } from '../session/parse-session-info';
import type { SessionCredentials } from '../session/session-credentials';
import { SessionState } from '../session/session-state';
import { sharedSession } from '../session/shared-session';
import { HubTransport } from '../transport/hub-transport';
import { encodeRequest } from '../xmlrpc/encode';
import type { KojiValue } from '../xmlrpc/koji-value';
import {
  resolveKojiClientOptions,
  type KojiClientOptions,
  type ResolvedKojiClientOptions,
} from './koji-client-options';
import { RpcCaller, type RpcRequest } from './rpc-caller';
import { errorMessage } from '../transport/error-message';

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call, including the wait between connection retries. */
  signal?: AbortSignal;
  /** false: send once, no connection retries. */
  retry?: boolean;
}

/** For a client built on a session someone else created (an executor's task session). */
export interface ExistingSessionOptions {
  /** The first callnum to send (default 0); see ADR 0022 for sessions used by several processes. */
  callnumStart?: number;
}

/**
 * Called when the hub refused a request for its session (AuthError 1002: closed;
 * AuthLockError 1006: another session holds the user's exclusive lock). Resolves true
 * once `replaceSession` gave the client other credentials (the request is then sent
 * again with them), false to let the refusal through. The wait is the handler's to bound.
 */
export type SessionRefusedHandler = (refusal: KojiFault, signal?: AbortSignal) => Promise<boolean>;

/** Replacements one request may wait for (a second handover while waiting is rare; more is a loop). */
const MAX_SESSION_REPLACEMENTS = 3;

/**
 * The Koji hub client: XML-RPC calls with session headers and callnum, logins
 * (password, TLS client certificate, GSSAPI), renewal after AuthExpired, connection
 * retries that keep the callnum, exclusive sessions, subsessions, multicall.
 * Uploads and downloads live in FastUploader, IncrementalLogUploader and Downloader,
 * which take a client. Faults arrive as typed errors (errors/).
 *
 * One request per session is in flight at a time (callnums must reach the hub in
 * order); use a subsession per concurrent stream of work.
 */
export class KojiClient {
  private session: SessionState | null;
  private loginStrategy: LoginStrategy | null;
  private sessionRefused: SessionRefusedHandler | null = null;
  private readonly caller: RpcCaller;
  private closed = false;

  private constructor(
    /** The resolved options: hub URL, topurl, timeouts, retry policy. */
    readonly options: ResolvedKojiClientOptions,
    /** The HTTP seam, shared with subsession clients. */
    readonly transport: HubTransport,
    private readonly ownsTransport: boolean,
    readonly logger: KojiLogger,
    session: SessionState | null,
    strategy: LoginStrategy | null,
  ) {
    this.session = session;
    this.loginStrategy = strategy;
    this.caller = new RpcCaller(transport, options.retry, options.offlineRetry, logger);
  }

  /** A client without a session (anonymous calls); log in with `login`, `sslLogin`, `gssapiLogin`. */
  static create(options: KojiClientOptions): KojiClient {
    const resolved = resolveKojiClientOptions(options);
    const transport = new HubTransport({
      tls: resolved.tls,
      connectTimeoutMs: resolved.timeouts.connectMs,
      requestTimeoutMs: resolved.timeouts.requestMs,
      bodyTimeoutMs: resolved.timeouts.bodyMs,
      maxResponseBytes: resolved.maxResponseBytes,
      userAgent: resolved.userAgent,
    });
    return new KojiClient(resolved, transport, true, options.logger ?? silentLogger, null, null);
  }

  /**
   * A client on an existing session, e.g. the `{id, key}` of a task message. It cannot
   * log in again: AuthExpired is raised to the caller. `close()` it when done.
   */
  static fromSession(
    session: SessionCredentials,
    hub: string | KojiClientOptions,
    options: ExistingSessionOptions = {},
  ): KojiClient {
    const root = KojiClient.create(typeof hub === 'string' ? { hubUrl: hub } : hub);
    root.session = sharedSession(session, options);
    return root;
  }

  /** Like `fromSession`, but sharing this client's connections (no extra close needed). */
  withSession(session: SessionCredentials, options: ExistingSessionOptions = {}): KojiClient {
    return new KojiClient(
      this.options,
      this.transport,
      false,
      this.logger,
      sharedSession(session, options),
      null,
    );
  }

  /** The session id, or undefined when not logged in. Not a secret. */
  get sessionId(): number | undefined {
    return this.session?.id;
  }

  /** The callnum the next request will carry (undefined without a session). */
  get nextCallnum(): number | undefined {
    return this.session?.nextCallnum;
  }

  /** Whether `exclusiveSession` succeeded on this session. */
  get isExclusive(): boolean {
    return this.session?.exclusive ?? false;
  }

  /** The hub's `Koji-Version` header, once a reply carried it. */
  get hubVersion(): string | undefined {
    return this.transport.hubVersion;
  }

  /** The session's id and key, to hand to another process. The key is a secret. */
  exportSession(): SessionCredentials {
    return this.requireSession('exportSession').credentials();
  }

  /**
   * Calls a hub method. `kwargs` travel as Koji's final `__starstar` struct. The result
   * is cast to `T` without checking: validate anything you rely on.
   */
  async call<T = KojiValue>(
    method: string,
    params: KojiValue[] = [],
    kwargs?: Record<string, KojiValue>,
    options: CallOptions = {},
  ): Promise<T> {
    const body = encodeRequest(method, params, kwargs);
    const value = await this.send(() => ({
      label: method,
      build: () => ({ url: this.options.hubUrl, headers: {}, body, contentType: 'text/xml' }),
      signal: options.signal,
      retry: options.retry,
    }));
    return value as T;
  }

  /**
   * Sends a request built by `makeRequest` in this session's lane; after AuthExpired a
   * client that logged in itself logs in again (`renew`) and sends it once more.
   * For FastUploader and friends; prefer `call`.
   */
  async send(makeRequest: () => RpcRequest, renew = true): Promise<KojiValue> {
    this.assertOpen();
    const session = this.session;
    const request = this.withSecrets(makeRequest());
    if (!session) return this.caller.send(null, request);
    return session.lane.run(async () => {
      let current = request;
      for (let replacements = 0; ; replacements++) {
        const sent = session.credentials();
        try {
          return await this.caller.send(session, current);
        } catch (err) {
          if (isSessionRefusal(err) && this.sessionRefused && replacements < MAX_SESSION_REPLACEMENTS) {
            // Other credentials arrived while this request was out, or arrive within the handler's bound.
            const replaced =
              session.id !== sent.id ||
              session.key !== sent.key ||
              ((await this.sessionRefused(err, current.signal)) &&
                (session.id !== sent.id || session.key !== sent.key));
            if (!replaced) throw err;
            this.logger.info(
              { method: current.label, sessionId: session.id, refusedSessionId: sent.id },
              'the hub refused the session; sending again with the credentials that replaced it',
            );
            current = this.withSecrets(makeRequest());
            continue;
          }
          if (!(err instanceof AuthExpired) || !renew || !this.loginStrategy || this.session !== session)
            throw err;
          await this.renew(session, this.loginStrategy, current.signal);
          return this.caller.send(session, this.withSecrets(makeRequest()));
        }
      }
    }, request.signal);
  }

  /**
   * Gives this client another session in place of its own (a running attempt taking
   * the subsession a new poller master minted for it, ADR 0082): requests after this
   * one, and one the hub refuses meanwhile, go out with the new credentials; callnums
   * start from 0. The old session is not logged out (the hub already refuses it).
   */
  replaceSession(credentials: SessionCredentials): void {
    this.requireSession('replaceSession').replace(credentials);
  }

  /**
   * While set, a request the hub refuses for its session waits for `handler` instead of
   * failing at once (see SessionRefusedHandler); null restores failing at once.
   */
  onSessionRefused(handler: SessionRefusedHandler | null): void {
    this.sessionRefused = handler;
  }

  /** `login(user, password)`. */
  login(user: string, password: string, options: CallOptions = {}): Promise<void> {
    return this.loginWith(new PasswordLogin(user, password), options);
  }

  /** `sslLogin()` at `<hub>/ssllogin` with the TLS client certificate of `tls`. */
  sslLogin(options: CallOptions & { proxyUser?: string } = {}): Promise<void> {
    const tls = this.options.tls;
    return this.loginWith(new SslLogin(Boolean(tls?.certFile && tls.keyFile), options.proxyUser), options);
  }

  /** GSSAPI login; fails with LoginUnavailableError without the optional `kerberos` module. */
  gssapiLogin(gssapi: GssapiLoginOptions = {}, options: CallOptions = {}): Promise<void> {
    return this.loginWith(new GssapiLogin(gssapi), options);
  }

  /** Logs in with any strategy and keeps it for renewals. */
  async loginWith(strategy: LoginStrategy, options: CallOptions = {}): Promise<void> {
    this.assertOpen();
    if (this.session) throw new AuthError('already logged in: logout() first', { method: 'login' });
    const info = await strategy.login(this.loginContext(null, options.signal), false);
    const credentials = parseSessionInfo(info, strategy.kind === 'password' ? 'login' : 'sslLogin');
    this.session = new SessionState(credentials.id, credentials.key, 0, false);
    this.loginStrategy = strategy;
    this.logger.info({ sessionId: credentials.id, kind: strategy.kind }, 'logged in to the hub');
  }

  /** Takes the user's exclusive session; `force` closes another holder's. */
  async exclusiveSession(force = false, options: CallOptions = {}): Promise<void> {
    const session = this.requireSession('exclusiveSession');
    await this.call('exclusiveSession', [], { force }, options);
    session.exclusive = true;
  }

  /** Asks the hub for a new subsession and returns its credentials (secret key). */
  async mintSubsession(options: CallOptions = {}): Promise<SessionCredentials> {
    this.requireSession('subsession');
    return parseSessionInfo(await this.call('subsession', [], undefined, options), 'subsession');
  }

  /** A client on a new subsession, sharing this client's connections and login strategy. */
  async subsession(options: CallOptions = {}): Promise<KojiClient> {
    const credentials = await this.mintSubsession(options);
    const child = new SessionState(credentials.id, credentials.key, 0, true);
    return new KojiClient(this.options, this.transport, false, this.logger, child, this.loginStrategy);
  }

  /** Closes a subsession of this session (`logoutChild`). */
  async logoutChild(sessionId: number, options: CallOptions = {}): Promise<void> {
    await this.call('logoutChild', [sessionId], undefined, options);
  }

  /** Closes this session (and its subsessions) on the hub. Sent once, no retries. */
  async logout(options: Omit<CallOptions, 'retry'> = {}): Promise<void> {
    if (!this.session || this.closed) return;
    const body = encodeRequest('logout', []);
    try {
      await this.send(
        () => ({
          label: 'logout',
          build: () => ({ url: this.options.hubUrl, headers: {}, body, contentType: 'text/xml' }),
          signal: options.signal,
          retry: false,
        }),
        false,
      );
    } catch (err) {
      // An expired (or force-replaced) session is as good as logged out.
      if (!(err instanceof AuthExpired)) throw err;
    }
    this.session = null;
    this.loginStrategy = null;
  }

  /** Releases the connections (when this client owns them). Idempotent; does not log out. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsTransport) return;
    try {
      await this.transport.close();
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'closing hub connections failed');
    }
  }

  /** The session, or ActionNotAllowed naming what needed it. */
  requireSession(what: string): SessionState {
    const session = this.session;
    if (!session) throw new ActionNotAllowed(`${what} needs a logged-in session`, { method: what });
    return session;
  }

  private async renew(session: SessionState, strategy: LoginStrategy, signal?: AbortSignal): Promise<void> {
    this.logger.info(
      { sessionId: session.id, kind: strategy.kind },
      'session expired; logging in again (renew)',
    );
    const info = await strategy.login(this.loginContext(session, signal), true);
    session.renewed(parseSessionInfo(info, 'renew'));
  }

  private loginContext(session: SessionState | null, signal?: AbortSignal): LoginContext {
    return {
      hubUrl: this.options.hubUrl,
      send: (call: LoginCall) => {
        const body = encodeRequest(call.method, call.params, call.kwargs);
        return this.caller.send(session, {
          label: call.method,
          build: () => ({
            url: this.options.hubUrl + (call.path ?? ''),
            headers: call.headers ?? {},
            body,
            contentType: 'text/xml',
            timeoutMs: this.options.timeouts.loginMs,
          }),
          signal,
          secrets: call.secrets,
        });
      },
    };
  }

  /** Adds the login's secrets: no server text may carry them into an error. */
  private withSecrets(request: RpcRequest): RpcRequest {
    const extra = this.loginStrategy?.secretValues?.() ?? [];
    return extra.length === 0 ? request : { ...request, secrets: [...(request.secrets ?? []), ...extra] };
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError();
  }
}

/** The hub no longer takes the session: closed (1002) or locked out by another session (1006). By code: AuthError's subclasses mean other things. */
function isSessionRefusal(err: unknown): err is KojiFault {
  return (
    err instanceof KojiFault &&
    (err.faultCode === AuthError.faultCode || err.faultCode === AuthLockError.faultCode)
  );
}
