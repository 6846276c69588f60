import { AuthError } from '../errors/koji-errors';
import type { CallContext } from '../rpc/call-context';

/** kojihub's `Host()` + `verify()`: the caller's host id; needs the host user and an exclusive session. */
export function verifiedHost(call: CallContext): number {
  const s = call.session;
  const id = s.hostId;
  if (id === null) {
    if (s.loggedIn) throw new AuthError(`User ${s.userId} is not a host`);
    throw new AuthError('Not logged-in');
  }
  if (!s.exclusive) throw new AuthError('This method requires an exclusive session');
  return id;
}
