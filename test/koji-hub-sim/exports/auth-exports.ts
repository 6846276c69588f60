import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import { AUTHTYPE } from '../db/rows';
import { ActionNotAllowed, AuthError, AuthLockError, GenericError } from '../errors/koji-errors';
import type { HubServices } from '../hub-services';
import { pyStr } from '../python/py-format';
import type { CallContext } from '../rpc/call-context';
import type { MethodRegistry } from '../rpc/method-registry';

/**
 * auth.py's exported functions. They forward `*args` to `Session` methods, so a bad
 * argument list is a plain TypeError (fault 1), not a ParameterError.
 */
export function registerAuthExports(r: MethodRegistry, s: HubServices): void {
  const { db, sessions } = s;

  r.add(
    'login',
    'Session.login(self, user, password, opts=None, renew=False, exclusive=False)',
    (c, { a }) => {
      const opts = (a.opts ?? {}) as KojiStruct;
      if (typeof a.password !== 'string' || a.password.length === 0)
        throw new AuthError('invalid username or password');
      if (c.session.loggedIn) throw new AuthError('Already logged in');
      const hostip = sessions.remoteIp(c.environ, typeof opts.hostip === 'string' ? opts.hostip : null);
      const user = db.users.find((u) => u.name === a.user && u.password === a.password);
      if (!user) throw new AuthError('invalid username or password');
      checkLoginAllowed(s, user.id);
      const sinfo = sessions.createSession(c.session, user.id, hostip, AUTHTYPE.NORMAL, {
        renew: Boolean(a.renew),
      });
      if (sinfo && a.exclusive && !c.session.exclusive) makeExclusive(s, c, false);
      db.transaction?.commit();
      return sinfo;
    },
    'TypeError',
  );

  r.add(
    'sslLogin',
    'Session.sslLogin(self, proxyuser=None, proxyauthtype=None, renew=False, exclusive=None)',
    (c, { a }) => {
      if (c.session.loggedIn) throw new AuthError('Already logged in');
      const env = c.environ;
      let username: string;
      let clientDn: string | null;
      let authtype: number;
      if (env.remoteUser) {
        username = env.remoteUser;
        clientDn = username;
        authtype = AUTHTYPE.GSSAPI;
      } else {
        if (env.sslClientVerify !== 'SUCCESS')
          throw new AuthError(`could not verify client: ${pyStr(env.sslClientVerify)}`);
        if (!env.sslClientCn)
          throw new AuthError('unable to get user information (CN) from client certificate');
        username = env.sslClientCn;
        clientDn = env.sslClientDn;
        authtype = AUTHTYPE.SSL;
      }
      if (a.proxyuser) {
        if (clientDn === null || !s.opts().proxyDNs.includes(clientDn)) {
          throw new AuthError(`${pyStr(clientDn)} is not authorized to login other users`);
        }
        username = pyStr(a.proxyuser);
      }
      if (authtype === AUTHTYPE.GSSAPI && username.includes('@'))
        username = username.slice(0, username.indexOf('@'));
      let user = db.users.find((u) => u.name === username);
      if (!user) {
        if (!s.opts().loginCreatesUser) throw new AuthError(`Unknown user: ${username}`);
        user = db.users.insert({
          id: db.users.nextval(),
          name: username,
          password: null,
          status: 0,
          usertype: 0,
          perms: [],
          krb_principals: [],
        });
        db.transaction?.commit();
      }
      checkLoginAllowed(s, user.id);
      const sinfo = sessions.createSession(c.session, user.id, sessions.remoteIp(env), authtype, {
        renew: Boolean(a.renew),
      });
      if (sinfo && a.exclusive && !c.session.exclusive) makeExclusive(s, c, false);
      return sinfo;
    },
    'TypeError',
  );

  r.add(
    'exclusiveSession',
    'Session.makeExclusive(self, force=False)',
    (c, { a }) => makeExclusive(s, c, Boolean(a.force)),
    'TypeError',
  );
  r.add('sharedSession', 'sharedSession()', (c) => {
    if (c.session.id !== null && db.sessions.get(c.session.id))
      db.sessions.update(c.session.id, { exclusive: null });
    db.transaction?.commit();
  });
  r.add('logout', 'logout(session_id=None)', (c, { a }) => {
    const sess = c.session;
    if (!sess.loggedIn) throw new AuthError('Not logged in');
    let target = sess.id!;
    if (a.session_id) {
      target = Number(a.session_id);
      if (!sess.hasPerm('admin') && db.sessions.get(target)?.user_id !== sess.userId) {
        throw new ActionNotAllowed('only admins or owner may logout other session');
      }
    }
    closeSessions(s, (x) => x.id === target || x.master === target);
    db.transaction?.commit();
  });
  r.add('logoutChild', 'logoutChild(session_id)', (c, { a }) => {
    if (!c.session.loggedIn) throw new AuthError('Not logged in');
    closeSessions(s, (x) => x.id === a.session_id && x.master === c.session.id);
    db.transaction?.commit();
  });
  r.add('subsession', 'subsession()', (c) => {
    const sess = c.session;
    if (!sess.loggedIn) throw new AuthError('Not logged in');
    return sessions.createSession(sess, sess.userId!, sess.hostip!, sess.authtype!, {
      master: sess.master ?? sess.id,
    });
  });
}

function checkLoginAllowed(s: HubServices, userId: number): void {
  const user = s.db.users.get(userId);
  if (!user) throw new AuthError(`invalid user_id: ${userId}`);
  if (user.status !== 0) throw new AuthError(`logins by ${user.name} are not allowed`);
}

/** `Session.makeExclusive`: `force` closes the other exclusive session of the user. */
function makeExclusive(s: HubServices, c: CallContext, force: boolean): KojiValue {
  const sess = c.session;
  if (sess.master !== null) throw new GenericError('subsessions cannot become exclusive');
  if (sess.exclusive) throw new GenericError('session is already exclusive');
  const other = s.db.sessions.find((x) => x.user_id === sess.userId && !x.closed && x.exclusive === true);
  if (other) {
    if (!force) throw new AuthLockError('Cannot get exclusive session');
    s.db.sessions.update(other.id, { expired: true, exclusive: null, closed: true });
  }
  if (sess.id !== null && s.db.sessions.get(sess.id)) s.db.sessions.update(sess.id, { exclusive: true });
  sess.exclusive = true;
  s.db.transaction?.commit();
  return null;
}

function closeSessions(s: HubServices, pick: (x: { id: number; master: number | null }) => boolean): void {
  for (const x of s.db.sessions.filter(pick))
    s.db.sessions.update(x.id, { expired: true, exclusive: null, closed: true });
}
