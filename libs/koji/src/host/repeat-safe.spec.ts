import { ActionNotAllowed } from '../errors/action-not-allowed';
import { GenericError } from '../errors/generic-error';
import { HubConnectionError } from '../errors/hub-connection-error';
import { RetryError } from '../errors/retry-error';
import type { KojiValue } from '../xmlrpc/koji-value';
import { closeTaskOnce, failTaskOnce, type HubCall } from './repeat-safe';

/** A hub whose settling call fails with `refusal` and whose task is then as given. */
function hub(refusal: Error | null, task: { state: number; result: KojiValue } | null) {
  const calls: string[] = [];
  const call: HubCall = (method, params, kwargs) => {
    calls.push(method);
    if (method === 'host.closeTask' || method === 'host.failTask')
      return refusal ? Promise.reject(refusal) : Promise.resolve(null);
    if (method === 'getTaskInfo') return Promise.resolve(task && { id: params[0], state: task.state });
    if (method === 'getTaskResult') {
      expect(kwargs).toEqual({ raise_fault: false });
      return Promise.resolve(task!.result);
    }
    throw new Error(`unexpected ${method}`);
  };
  return { call, calls };
}

const notOwner = new ActionNotAllowed('host 1 does not own task 7', { attempts: 2 });
const retried = new RetryError('unable to retry call 5 (method host.closeTask) for session 3', {
  attempts: 2,
});

describe(closeTaskOnce.name, () => {
  it('closes the task', async () => {
    const { call, calls } = hub(null, null);
    await expect(closeTaskOnce(call, 7, { rpms: ['a.rpm'] })).resolves.toBe('done');
    expect(calls).toEqual(['host.closeTask']);
  });

  it.each([
    ['a 1.35 hub ran the resend again (not OPEN any more)', notOwner],
    ['a 1.36 hub refused the resend', retried],
  ])('counts as done when %s and the task is CLOSED with this result', async (_why, refusal) => {
    const { call } = hub(refusal, { state: 2, result: { rpms: ['a.rpm'], n: 1 } });
    await expect(closeTaskOnce(call, 7, { n: 1, rpms: ['a.rpm'] })).resolves.toBe('already');
  });

  it('raises the refusal when the task was closed with another result, or is in another state', async () => {
    await expect(closeTaskOnce(hub(notOwner, { state: 2, result: 'theirs' }).call, 7, 'ours')).rejects.toBe(
      notOwner,
    );
    await expect(closeTaskOnce(hub(notOwner, { state: 3, result: null }).call, 7, null)).rejects.toBe(
      notOwner,
    );
    await expect(closeTaskOnce(hub(notOwner, null).call, 7, null)).rejects.toBe(notOwner);
  });

  it('does not look for other faults or connection failures', async () => {
    for (const err of [new GenericError('No such task: 7'), new HubConnectionError('gone', 'ECONNRESET')]) {
      const { call, calls } = hub(err, { state: 2, result: null });
      await expect(closeTaskOnce(call, 7, null)).rejects.toBe(err);
      expect(calls).toEqual(['host.closeTask']);
    }
  });
});

describe(failTaskOnce.name, () => {
  it('counts as done when the task is FAILED with this fault', async () => {
    const stored = { faultCode: 1005, faultString: 'BuildError: error building package' };
    await expect(
      failTaskOnce(hub(notOwner, { state: 5, result: stored }).call, 7, 1005, stored.faultString),
    ).resolves.toBe('already');
    await expect(
      failTaskOnce(
        hub(notOwner, { state: 5, result: { ...stored, faultString: 'other' } }).call,
        7,
        1005,
        stored.faultString,
      ),
    ).rejects.toBe(notOwner);
    await expect(
      failTaskOnce(hub(notOwner, { state: 2, result: stored }).call, 7, 1005, stored.faultString),
    ).rejects.toBe(notOwner);
  });
});
