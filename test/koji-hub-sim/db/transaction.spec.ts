import { HubDb } from './hub-db';
import { Transaction } from './transaction';

describe(Transaction.name, () => {
  it('undoes changes on rollback, keeps them after commit, and tracks pending DML', () => {
    const db = new HubDb(() => 1000);
    db.channels.insert({ id: 1, name: 'default', description: null, enabled: true, comment: null });
    const sut = db.begin();
    db.channels.update(1, { enabled: false });
    expect(sut.dirty).toBe(true);
    sut.commit();
    expect(sut.dirty).toBe(false);
    db.channels.update(1, { name: 'renamed' });
    db.end(sut, false);
    expect(db.channels.get(1)).toMatchObject({ name: 'default', enabled: false });
  });

  it('rolls back to a savepoint (one multiCall entry) and records non-DML changes without marking dirty', () => {
    const db = new HubDb(() => 1000);
    const sut = db.begin();
    db.channels.insert({ id: 1, name: 'a', description: null, enabled: true, comment: null });
    const sp = sut.savepoint();
    db.channels.update(1, { name: 'b' });
    sut.rollbackTo(sp);
    expect(db.channels.get(1)?.name).toBe('a');
    sut.commit();
    db.channels.update(1, { comment: 'x' }, { dml: false });
    expect(sut.dirty).toBe(false);
    db.end(sut, false);
    expect(db.channels.get(1)?.comment).toBeNull();
  });

  it('makes one event per transaction', () => {
    const db = new HubDb(() => 1000);
    const sut = db.begin();
    expect(sut.event()).toBe(sut.event());
    db.end(sut, true);
    expect(db.events.all()).toHaveLength(1);
  });
});
