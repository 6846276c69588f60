import {
  ActionNotAllowed,
  GenericError,
  type KojiValue,
  type MultiCallEntry,
  type MultiCallOutcome,
} from '@koji-farm/koji';
import { type z } from 'zod';
import { HubReplyInvalidError } from '../errors/hub-reply-invalid.error';
import { type HubGateway } from '../hub/hub-gateway';
import { type AssignedTask } from '../hub/hub-replies.schema';
import { type LeaderLease } from '../lease/leader-lease';
import { TaskOpener } from './task-opener';

const assigned = (id: number): AssignedTask => ({
  id,
  state: 4,
  channel_id: 1,
  host_id: 3,
  arch: 'x86_64',
  method: 'buildArch',
  priority: 20,
  create_ts: 1,
});

const info = (id: number, request: KojiValue[] = ['pkg.src.rpm']) => ({
  id,
  state: 4,
  host_id: 3,
  method: 'buildArch',
  arch: 'x86_64',
  channel_id: 1,
  priority: 20,
  parent: null,
  request,
});

const ok = (value: KojiValue): MultiCallOutcome => ({ ok: true, value });
const fault = (error: Error): MultiCallOutcome => ({ ok: false, error: error as never });
const session = (id: number) => ({ 'session-id': id, 'session-key': `key-${id}`, 'header-auth': true });

/** A gateway whose multicalls answer from a script; replies are checked like the real one does. */
function gateway(answer: (calls: MultiCallEntry[]) => MultiCallOutcome[]) {
  const sent: MultiCallEntry[][] = [];
  const hub = {
    multi: (calls: MultiCallEntry[]) => {
      sent.push(calls);
      return Promise.resolve(answer(calls));
    },
    check: <S extends z.ZodType>(method: string, schema: S, value: KojiValue, taskId?: number) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new HubReplyInvalidError(method, parsed.error, taskId);
      return parsed.data;
    },
  };
  return { hub: hub as unknown as HubGateway, sent };
}
const lease = { assertHeld: () => undefined } as unknown as LeaderLease;

describe(TaskOpener.name, () => {
  it('opens a batch in two multicalls and reads each task’s outcome on its own', async () => {
    const { hub, sent } = gateway((calls) => {
      if (calls[0].methodName === 'getTaskInfo') {
        return [ok(info(1)), ok(info(2)), ok(null), fault(new GenericError('boom')), ok({ id: 5 })];
      }
      return [
        ok({ id: 1 }),
        ok(null),
        ok(session(11)), // task 1: opened
        ok(null),
        fault(new ActionNotAllowed('host 3 does not own task 2')),
        ok(session(12)), // task 2: lost
      ];
    });
    const sut = new TaskOpener(hub, lease);

    const attempts = await sut.openAll([1, 2, 3, 4, 5].map(assigned));

    expect(sent.map((calls) => calls.map((c) => c.methodName))).toEqual([
      ['getTaskInfo', 'getTaskInfo', 'getTaskInfo', 'getTaskInfo', 'getTaskInfo'],
      [
        'host.openTask',
        'host.setTaskWeight',
        'subsession',
        'host.openTask',
        'host.setTaskWeight',
        'subsession',
      ],
    ]);
    expect(sent[1][1].params).toEqual([1, 1.5]);
    const byId = new Map(attempts.map((a) => [a.taskId, a]));
    expect(byId.get(1)).toMatchObject({ kind: 'opened', weight: 1.5, session: { id: 11, key: 'key-11' } });
    expect(byId.get(2)).toMatchObject({
      kind: 'skipped',
      reason: 'another host opened the task first',
      session: { id: 12 },
    });
    expect(byId.get(3)).toMatchObject({ kind: 'skipped', reason: 'the hub has no such task any more' });
    expect(byId.get(4)).toMatchObject({ kind: 'failed', opened: false, error: { name: 'GenericError' } });
    expect(byId.get(5)).toMatchObject({ kind: 'failed', opened: false });
    expect((byId.get(5) as { error: Error }).error).toBeInstanceOf(HubReplyInvalidError);
    expect((byId.get(5) as { error: Error }).error.message).toContain('getTaskInfo for task 5');
  });

  it('opens a task whose request JSON cannot carry without a subsession, to fail it', async () => {
    const { hub, sent } = gateway((calls) =>
      calls[0].methodName === 'getTaskInfo' ? [ok(info(7, [Buffer.from('bin')]))] : [ok({ id: 7 }), ok(null)],
    );
    const [attempt] = await new TaskOpener(hub, lease).openAll([assigned(7)]);
    expect(sent[1].map((c) => c.methodName)).toEqual(['host.openTask', 'host.setTaskWeight']);
    expect(attempt).toMatchObject({ kind: 'unfit', taskId: 7, session: null });
  });

  it('marks a task opened but not usable (bad weight call or subsession reply) for handing back', async () => {
    const { hub } = gateway((calls) =>
      calls[0].methodName === 'getTaskInfo'
        ? [ok(info(8)), ok(info(9))]
        : [
            ok({ id: 8 }),
            ok(null),
            ok({ 'session-id': 'x' }),
            ok({ id: 9 }),
            fault(new GenericError('no')),
            ok(session(19)),
          ],
    );
    const attempts = await new TaskOpener(hub, lease).openAll([assigned(8), assigned(9)]);
    expect(attempts[0]).toMatchObject({ taskId: 8, kind: 'failed', opened: true, session: null });
    expect(attempts[1]).toMatchObject({ taskId: 9, kind: 'failed', opened: true, session: { id: 19 } });
  });
});
