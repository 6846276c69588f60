import { randomInt } from 'node:crypto';
import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import type { SessionRow } from '../db/rows';
import { AuthError, AuthExpired, RetryError, SequenceError } from '../errors/koji-errors';
import { PythonError } from '../errors/python-error';
import type { HubOptions } from '../hub-options';
import { pyDatetime, pyDatetimeOrNull, pyRepr } from '../python/py-format';
import type { RequestEnviron } from '../rpc/call-context';
import { readsSessionCallnum } from './hub-version';
import { Session } from './session';

/** auth.py's RetryWhitelist: calls that may be replayed with a callnum already stored. */
export const RETRY_WHITELIST = new Set([
  'host.taskWait',
  'host.taskUnwait',
  'host.taskSetWait',
  'host.updateHost',
  'host.setBuildRootState',
  'repoExpire',
  'repoDelete',
  'repoProblem',
]);
const AUTH_METHODS = new Set(['login', 'sslLogin']);
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Reads a request's session the way auth.py's `Session.__init__` does: header (or
 * query) credentials, expiry, the callnum rules and the exclusive lock.
 */
export class SessionManager {
  constructor(
    private readonly db: HubDb,
    private readonly opts: () => HubOptions,
  ) {}

  /** The session of a request; `method` matters for expiry and the retry whitelist. */
  load(environ: RequestEnviron, method: string): Session {
    const session = new Session(this.db);
    const creds = this.credentials(environ);
    if (!creds) return session;
    session.id = creds.id;
    session.key = creds.key;
    const hostip = this.remoteIp(environ);
    const row = this.db.sessions.find(
      (s) => s.id === creds.id && s.key === creds.key && s.hostip === hostip && !s.closed,
    );
    if (!row) throw new AuthError('Invalid session or bad credentials');
    const sessionData = this.sessionData(row);
    let expired = row.expired;
    const timeout = this.opts().sessionRenewalTimeout;
    if (!expired && timeout !== 0) {
      const cutoff = (row.renew_time ?? row.start_time) + timeout;
      if (this.db.now() > cutoff) {
        expired = true;
        sessionData.expired = true;
        for (const s of this.db.sessions.filter((x) => x.id === row.id || x.master === row.id)) {
          this.db.sessions.update(s.id, { expired: true });
        }
        this.db.transaction?.commit();
      }
    }
    if (expired && !AUTH_METHODS.has(method)) throw new AuthExpired(`session "${row.id}" has expired`);
    const callnum = creds.callnum;
    if (callnum !== null && row.callnum !== null) {
      if (row.callnum > callnum) throw new SequenceError(`${row.callnum} > ${callnum} (session ${row.id})`);
      if (row.callnum === callnum && !RETRY_WHITELIST.has(method)) {
        throw new RetryError(`unable to retry call ${callnum} (method ${method}) for session ${row.id}`);
      }
    }
    if (expired) return session;
    const user = this.db.users.get(row.user_id)!;
    if (user.status !== 0) throw new AuthError(`logins by ${user.name} are not allowed`);
    if (row.exclusive) {
      session.exclusive = true;
    } else {
      const excl = this.db.sessions.find(
        (s) => s.user_id === row.user_id && s.exclusive === true && !s.closed,
      );
      if (excl) {
        if (excl.id === row.master) session.exclusive = true;
        else session.lockerror = 'User locked by another session';
      }
    }
    this.db.sessions.update(row.id, { update_time: this.db.now() });
    this.db.transaction?.commit();
    if (callnum !== null) {
      // stored only if this request commits something later (auth.py's note on RetryError)
      this.db.sessions.update(row.id, { callnum }, { dml: false });
    }
    session.hostip = hostip;
    session.callnum = callnum;
    session.userId = row.user_id;
    session.userName = user.name;
    session.authtype = row.authtype;
    session.master = row.master;
    session.sessionData = sessionData;
    session.loggedIn = true;
    return session;
  }

  /** `get_remote_ip`: '-' when CheckClientIP is off. */
  remoteIp(environ: RequestEnviron, override?: string | null): string {
    if (!this.opts().checkClientIP) return '-';
    return override ?? environ.remoteAddr;
  }

  /** `createSession`: a new session (or subsession), or a renewed key for `session`. */
  createSession(
    session: Session,
    userId: number,
    hostip: string,
    authtype: number,
    options: { master?: number | null; renew?: boolean } = {},
  ): KojiStruct | null {
    const key = `${userId}-${Array.from({ length: 19 }, () => ALNUM[randomInt(ALNUM.length)]).join('')}`;
    const now = this.db.now();
    let id: number;
    if (options.renew && session.id !== null) {
      id = session.id;
      session.key = key;
      if (session.master !== null) {
        const master = this.db.sessions.get(session.master);
        if (!master || master.closed) return null;
      }
      if (this.db.sessions.get(id)) {
        this.db.sessions.update(id, { key, expired: false, update_time: now, renew_time: now });
      }
    } else {
      id = this.db.sessions.nextval();
      this.db.sessions.insert({
        id,
        user_id: userId,
        expired: false,
        master: options.master ?? null,
        key,
        authtype,
        hostip,
        callnum: null,
        start_time: now,
        update_time: now,
        exclusive: null,
        closed: false,
        renew_time: null,
      });
    }
    this.db.transaction?.commit();
    return { 'session-id': id, 'session-key': key, 'header-auth': true };
  }

  private credentials(environ: RequestEnviron): { id: number; key: string; callnum: number | null } | null {
    const h = environ.headers;
    if (h['koji-session-id'] !== undefined) {
      const id = pyInt(h['koji-session-id']);
      const key = h['koji-session-key'];
      if (key === undefined) throw new PythonError('KeyError', "'HTTP_KOJI_SESSION_KEY'");
      // up to 1.35 the hub reads only Koji-Callnum, which no client sends (hub-version.ts)
      const raw = readsSessionCallnum(this.opts().kojiVersion)
        ? (h['koji-session-callnum'] ?? h['koji-callnum'])
        : h['koji-callnum'];
      return { id, key, callnum: raw === undefined ? null : pyInt(raw) };
    }
    if (!environ.query) return null;
    const args = new URLSearchParams(environ.query);
    const id = args.get('session-id');
    const key = args.get('session-key');
    if (id === null) throw new AuthError("'session-id' not specified in session args");
    if (key === null) throw new AuthError("'session-key' not specified in session args");
    const callnum = args.get('callnum');
    return { id: pyInt(id), key, callnum: callnum === null ? null : pyInt(callnum) };
  }

  private sessionData(row: Readonly<SessionRow>): KojiStruct {
    return {
      authtype: row.authtype,
      callnum: row.callnum,
      exclusive: row.exclusive,
      expired: row.expired,
      master: row.master,
      start_time: pyDatetime(row.start_time),
      update_time: pyDatetime(row.update_time),
      start_ts: row.start_time,
      update_ts: row.update_time,
      user_id: row.user_id,
      renew_time: pyDatetimeOrNull(row.renew_time),
      renew_ts: row.renew_time,
    };
  }
}

/** Python's `int(text)` for header values. */
export function pyInt(text: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw new PythonError('ValueError', `invalid literal for int() with base 10: ${pyRepr(text)}`);
  }
  return Number.parseInt(trimmed, 10);
}
