import type { SessionCredentials } from './session-credentials';
import { SerialLane } from './serial-lane';

/** Largest callnum the hub can store (its `sessions.callnum` column is a 32-bit INTEGER). */
export const MAX_CALLNUM = 2 ** 31 - 1;

/**
 * One hub session as a client holds it: credentials, the callnum counter and the lane
 * that keeps one request in flight. `shared` marks a session other processes may also
 * use (a child session): its client resynchronises the counter when the hub reports
 * that another user of the session has moved it on (ADR 0022).
 */
export class SessionState {
  readonly lane = new SerialLane();
  exclusive = false;

  constructor(
    public id: number,
    public key: string,
    private callnum: number,
    readonly shared: boolean,
  ) {}

  /** The callnum for the next request; each request (and upload chunk) takes one. */
  takeCallnum(): number {
    if (this.callnum > MAX_CALLNUM) throw new RangeError(`callnum of session ${this.id} exhausted`);
    return this.callnum++;
  }

  /** Moves the counter to at least `next` (never back). */
  advanceTo(next: number): void {
    this.callnum = Math.max(this.callnum, next);
  }

  /** The counter's next value, for logs and tests. */
  get nextCallnum(): number {
    return this.callnum;
  }

  /** After a renewal the hub keeps the session id and issues a new key. */
  renewed(credentials: SessionCredentials): void {
    if (credentials.id !== this.id) {
      // A different session: its callnum history starts empty.
      this.id = credentials.id;
      this.callnum = 0;
    }
    this.key = credentials.key;
  }

  /**
   * Another session takes this one's place (a new master's subsession handed to a
   * running attempt, ADR 0082): new id and key, its callnums from 0. The lane stays, so
   * requests queued behind the swap go out with the new credentials.
   */
  replace(credentials: SessionCredentials): void {
    this.id = credentials.id;
    this.key = credentials.key;
    this.callnum = 0;
  }

  credentials(): SessionCredentials {
    return { id: this.id, key: this.key };
  }
}
