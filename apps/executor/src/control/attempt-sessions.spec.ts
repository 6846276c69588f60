import { type AttemptSession } from '../tasks/attempt-session';
import { AttemptSessions } from './attempt-sessions';

/** A stand-in for an attempt's session: records what it was handed. */
function attemptSession(open = true): AttemptSession & { adopted: Array<{ id: number; key: string }> } {
  const adopted: Array<{ id: number; key: string }> = [];
  return {
    adopted,
    adopt: (credentials: { id: number; key: string }) => {
      if (!open) return false;
      adopted.push(credentials);
      return true;
    },
  } as unknown as AttemptSession & { adopted: Array<{ id: number; key: string }> };
}

describe(AttemptSessions.name, () => {
  const credentials = { id: 42, key: '42-secret' };

  it('hands the credentials to the running attempt of that generation', () => {
    const sut = new AttemptSessions();
    const session = attemptSession();
    sut.register(7, 2, 3, session);
    expect(sut.hand(7, 2, credentials)).toEqual({ taken: true, attempt: 3 });
    expect(session.adopted).toEqual([credentials]);
  });

  it('refuses a task that does not run here, another generation, and an attempt without its own session yet', () => {
    const sut = new AttemptSessions();
    const session = attemptSession();
    sut.register(7, 2, 1, session);
    sut.register(8, 1, 1, attemptSession(false));
    expect(sut.hand(9, 1, credentials)).toMatchObject({
      taken: false,
      reason: expect.stringContaining('no attempt'),
    });
    expect(sut.hand(7, 1, credentials)).toMatchObject({
      taken: false,
      reason: expect.stringContaining('generation 2'),
    });
    expect(sut.hand(8, 1, credentials)).toMatchObject({
      taken: false,
      reason: expect.stringContaining('not opened'),
    });
    expect(session.adopted).toEqual([]);
  });

  it('forgets an attempt once it unregisters, but not a newer attempt of the same task', () => {
    const sut = new AttemptSessions();
    const unregisterOld = sut.register(7, 1, 1, attemptSession());
    const newer = attemptSession();
    sut.register(7, 2, 1, newer);
    unregisterOld();
    expect(sut.hand(7, 2, credentials)).toEqual({ taken: true, attempt: 1 });
    expect(newer.adopted).toHaveLength(1);
  });
});
