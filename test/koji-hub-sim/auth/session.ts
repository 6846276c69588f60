import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import { ActionNotAllowed } from '../errors/koji-errors';
import type { HubDb } from '../db/hub-db';

/**
 * The caller's session as auth.py's `Session` sees it once a request's headers were
 * checked: who is logged in, whether this session holds the user's exclusive lock.
 */
export class Session {
  loggedIn = false;
  id: number | null = null;
  key: string | null = null;
  master: number | null = null;
  userId: number | null = null;
  authtype: number | null = null;
  hostip: string | null = null;
  callnum: number | null = null;
  exclusive = false;
  lockerror: string | null = null;
  /** The session row as read before this request touched it (getSessionInfo's answer). */
  sessionData: KojiStruct | null = null;
  userName: string | null = null;

  constructor(private readonly db: HubDb) {}

  get perms(): string[] {
    if (!this.loggedIn || this.userId === null) return [];
    return [...(this.db.users.get(this.userId)?.perms ?? [])];
  }

  hasPerm(name: string): boolean {
    return this.loggedIn && this.perms.includes(name);
  }

  assertPerm(name: string): void {
    if (this.hasPerm(name) || this.hasPerm('admin')) return;
    let msg = `${name} permission required`;
    msg += this.loggedIn ? ` (logged in as ${this.userName})` : ' (user not logged in)';
    throw new ActionNotAllowed(msg);
  }

  assertLogin(): void {
    if (!this.loggedIn) throw new ActionNotAllowed('you must be logged in for this operation');
  }

  /** The host whose user is logged in, or null. */
  get hostId(): number | null {
    if (this.userId === null) return null;
    return this.db.hosts.find((h) => h.user_id === this.userId)?.id ?? null;
  }
}
