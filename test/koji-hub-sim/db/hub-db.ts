import type {
  BuildRow,
  BuildrootRow,
  ChannelRow,
  EventRow,
  HostRow,
  PackageRow,
  RefusalRow,
  RepoRequestRow,
  RepoRow,
  RpmRow,
  SessionRow,
  TagListingRow,
  TagRow,
  TargetRow,
  TaskRow,
  TaskRunRow,
  UserRow,
} from './rows';
import { Table } from './table';
import { Transaction } from './transaction';

/**
 * The simulator's database: Koji's tables kept in memory. Requests run one at a time
 * (each is synchronous once its body is read), each in its own `Transaction`;
 * changes made outside a request (admin setup) apply at once.
 */
export class HubDb {
  private tx: Transaction | undefined;
  private readonly current = (): Transaction | undefined => this.tx;

  readonly users = new Table<UserRow>('users', this.current);
  readonly sessions = new Table<SessionRow>('sessions', this.current);
  readonly channels = new Table<ChannelRow>('channels', this.current);
  readonly hosts = new Table<HostRow>('host', this.current);
  readonly tasks = new Table<TaskRow>('task', this.current);
  readonly taskRuns = new Table<TaskRunRow>('scheduler_task_runs', this.current);
  readonly refusals = new Table<RefusalRow>('scheduler_task_refusals', this.current);
  readonly tags = new Table<TagRow>('tag', this.current);
  readonly targets = new Table<TargetRow>('build_target', this.current);
  readonly packages = new Table<PackageRow>('package', this.current);
  readonly builds = new Table<BuildRow>('build', this.current);
  readonly rpms = new Table<RpmRow>('rpminfo', this.current);
  readonly tagListing = new Table<TagListingRow>('tag_listing', this.current);
  readonly buildroots = new Table<BuildrootRow>('buildroot', this.current);
  readonly repos = new Table<RepoRow>('repo', this.current);
  readonly events = new Table<EventRow>('events', this.current);
  readonly repoQueue = new Table<RepoRequestRow>('repo_queue', this.current);
  /** scheduler_sys_data's last_run_ts (seconds); not transactional in spirit but undone with the rest. */
  schedulerLastRun = 0;

  constructor(readonly clock: () => number = () => Date.now() / 1000) {}

  /** The transaction of the request being handled, if any. */
  get transaction(): Transaction | undefined {
    return this.tx;
  }

  /** Runs `work` in a new transaction: committed when it changed something, else rolled back. */
  run<T>(work: (tx: Transaction) => T): T {
    if (this.tx) return work(this.tx);
    const tx = this.begin();
    try {
      const result = work(tx);
      this.end(tx, tx.dirty);
      return result;
    } catch (error) {
      this.end(tx, false);
      throw error;
    }
  }

  begin(): Transaction {
    if (this.tx) throw new Error('a transaction is already open');
    this.tx = new Transaction(
      this.clock(),
      (t) => this.events.insert({ id: this.events.nextval(), time: t.now }).id,
    );
    return this.tx;
  }

  end(tx: Transaction, commit: boolean): void {
    if (commit) tx.commit();
    else tx.rollback();
    this.tx = undefined;
  }

  /** `get_event()` inside a request, or a fresh event outside one. */
  event(): number {
    if (this.tx) return this.tx.event();
    return this.events.insert({ id: this.events.nextval(), time: this.clock() }).id;
  }

  now(): number {
    return this.tx ? this.tx.now : this.clock();
  }

  eventTime(id: number | null): number | null {
    return id === null ? null : (this.events.get(id)?.time ?? null);
  }

  /** The scheduler timestamp, set through the transaction so a rolled-back call undoes it. */
  setSchedulerLastRun(ts: number): void {
    const old = this.schedulerLastRun;
    this.schedulerLastRun = ts;
    this.tx?.record(() => (this.schedulerLastRun = old));
  }
}
