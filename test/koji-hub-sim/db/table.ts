import type { Transaction } from './transaction';

/**
 * An in-memory table whose changes go through the current transaction's undo log.
 * Rows handed out are read-only: every change is an `update` so it can be undone.
 */
export class Table<Row extends { id: number }> {
  private readonly rows = new Map<number, Row>();
  private nextId = 1;

  constructor(
    readonly name: string,
    private readonly currentTx: () => Transaction | undefined,
  ) {}

  /** A sequence's nextval: like PostgreSQL's, never rolled back. */
  nextval(): number {
    return this.nextId++;
  }

  get(id: number | null | undefined): Readonly<Row> | undefined {
    return id === null || id === undefined ? undefined : this.rows.get(id);
  }

  all(): Readonly<Row>[] {
    return [...this.rows.values()];
  }

  filter(predicate: (row: Readonly<Row>) => boolean): Readonly<Row>[] {
    return this.all().filter(predicate);
  }

  find(predicate: (row: Readonly<Row>) => boolean): Readonly<Row> | undefined {
    for (const row of this.rows.values()) if (predicate(row)) return row;
    return undefined;
  }

  insert(row: Row): Readonly<Row> {
    if (this.rows.has(row.id)) throw new Error(`${this.name}: duplicate id ${row.id}`);
    if (row.id >= this.nextId) this.nextId = row.id + 1;
    this.rows.set(row.id, row);
    this.currentTx()?.record(() => this.rows.delete(row.id));
    return row;
  }

  update(id: number, patch: Partial<Row>, options: { dml?: boolean } = {}): Readonly<Row> {
    const old = this.rows.get(id);
    if (!old) throw new Error(`${this.name}: no row ${id}`);
    const next = { ...old, ...patch };
    this.rows.set(id, next);
    this.currentTx()?.record(() => this.rows.set(id, old), options.dml ?? true);
    return next;
  }

  delete(id: number): void {
    const old = this.rows.get(id);
    if (!old) return;
    this.rows.delete(id);
    this.currentTx()?.record(() => this.rows.set(id, old));
  }
}
