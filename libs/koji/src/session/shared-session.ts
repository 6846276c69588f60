import type { SessionCredentials } from './session-credentials';
import { SessionState } from './session-state';

/** The state for a session someone else created (a task message's): a shared one (ADR 0022). */
export function sharedSession(session: SessionCredentials, options: { callnumStart?: number }): SessionState {
  const start = options.callnumStart ?? 0;
  if (!Number.isInteger(session.id) || typeof session.key !== 'string' || !session.key) {
    throw new RangeError('a session needs an integer id and a non-empty key');
  }
  if (!Number.isInteger(start) || start < 0) throw new RangeError(`callnumStart must be an integer >= 0`);
  return new SessionState(session.id, session.key, start, true);
}
