import { HEADERS } from '@koji-farm/contracts';
import { readDeadLetter } from './dead-letter-facts';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe(readDeadLetter.name, () => {
  it("takes the executor's reason and the task id of a message the schema refused", () => {
    const sut = readDeadLetter(
      {
        [HEADERS.deadReason]: 'task message does not match the task message schema v1: arch: Required',
        [HEADERS.deadFromQueue]: 'koji.tasks.x86_64',
        [HEADERS.generation]: 2,
      },
      body({ v: 1, taskId: 42, method: 'buildArch' }),
      5,
    );
    expect(sut).toEqual({
      taskId: 42,
      unreadable: null,
      reason: 'task message does not match the task message schema v1: arch: Required',
      hubOutcome: null,
      generation: 2,
      queue: 'koji.tasks.x86_64',
    });
  });

  it('counts the attempts of a message RabbitMQ dead-lettered at the delivery limit', () => {
    const sut = readDeadLetter(
      { 'x-death': [{ count: 1, reason: 'delivery_limit', queue: 'ns.koji.tasks.x86_64' }] },
      body({ taskId: 7 }),
      5,
    );
    expect(sut).toMatchObject({
      taskId: 7,
      reason: 'delivery limit reached after 6 attempts (queue ns.koji.tasks.x86_64)',
      hubOutcome: null,
      generation: 1,
      queue: 'ns.koji.tasks.x86_64',
    });
  });

  it('names other RabbitMQ reasons', () => {
    const death = (reason: string) =>
      readDeadLetter({ 'x-death': [{ reason }] }, body({ taskId: 1 }), 5).reason;
    expect(death('rejected')).toBe('rejected by a consumer without requeueing');
    expect(death('expired')).toBe('expired in the queue');
    expect(death('maxlen')).toBe('dropped from a full queue');
    expect(death('something-new')).toBe('dead-lettered by RabbitMQ (something-new)');
    expect(readDeadLetter({}, body({ taskId: 1 }), 5).reason).toBe('dead-lettered without a stated reason');
  });

  it('reports the hub outcome the executor set', () => {
    const sut = readDeadLetter({ [HEADERS.hubOutcome]: 'failed' }, body({ taskId: 3 }), 5);
    expect(sut.hubOutcome).toBe('failed');
  });

  it('says why no task id could be read', () => {
    expect(readDeadLetter({}, Buffer.from('{not json'), 5)).toMatchObject({
      taskId: null,
      unreadable: 'the message is not JSON',
    });
    for (const value of [{ taskId: 'x' }, { taskId: -1 }, { taskId: 1.5 }, null, [1]]) {
      expect(readDeadLetter({}, body(value), 5)).toMatchObject({
        taskId: null,
        unreadable: 'the message has no valid taskId',
      });
    }
  });

  it('treats a malformed generation as the first', () => {
    expect(readDeadLetter({ [HEADERS.generation]: 'x' }, body({ taskId: 1 }), 5).generation).toBe(1);
  });
});
