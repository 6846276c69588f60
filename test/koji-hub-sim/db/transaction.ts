/**
 * One hub request's database transaction, kept as an undo log over the in-memory
 * tables. It mirrors what the real hub gets from PostgreSQL and that the protocol
 * depends on:
 * - `dirty` is kojixmlrpc's `commit_pending`: set by every insert/update/delete.
 *   A request that changed nothing is rolled back at its end, which is why a
 *   read-only call never stores its callnum (auth.py's RetryError note).
 * - `commit()` is an explicit `context.cnx.commit()` (login, exclusiveSession, the
 *   session's update_time): what came before survives a later fault.
 * - savepoints give multiCall its per-call rollback.
 * - `now` is PostgreSQL's NOW(): one timestamp for the whole transaction.
 */
export class Transaction {
  private undoLog: Array<() => void> = [];
  private eventId: number | undefined;
  dirty = false;

  constructor(
    readonly now: number,
    private readonly newEvent: (tx: Transaction) => number,
  ) {}

  /** Records how to undo one change; `dml: false` for changes that are not DML (callnum). */
  record(undo: () => void, dml = true): void {
    this.undoLog.push(undo);
    if (dml) this.dirty = true;
  }

  savepoint(): number {
    return this.undoLog.length;
  }

  rollbackTo(savepoint: number): void {
    while (this.undoLog.length > savepoint) this.undoLog.pop()!();
  }

  rollback(): void {
    this.rollbackTo(0);
    this.eventId = undefined;
  }

  /** What was done so far is kept whatever happens later; nothing is pending any more. */
  commit(): void {
    this.undoLog = [];
    this.dirty = false;
  }

  /** `get_event()`: one event per transaction, made on first use. */
  event(): number {
    if (this.eventId === undefined) this.eventId = this.newEvent(this);
    return this.eventId;
  }

  /** multiCall drops the event between calls ("subsequent calls should not recycle event ids"). */
  forgetEvent(): void {
    this.eventId = undefined;
  }
}
