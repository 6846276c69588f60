import { AuthError } from '../errors/auth-error';
import { HubProtocolError } from '../errors/hub-protocol-error';
import { KojiFault } from '../errors/koji-fault';
import type { KojiValue } from '../xmlrpc/koji-value';
import type { KojiClient } from './koji-client';
import { MultiCallBuilder, multiCall } from './multicall';

function fakeClient(
  reply: (calls: KojiValue) => KojiValue,
): Pick<KojiClient, 'call'> & { calls: KojiValue[][] } {
  const calls: KojiValue[][] = [];
  return {
    calls,
    call: <T>(method: string, params: KojiValue[] = []): Promise<T> => {
      expect(method).toBe('multiCall');
      calls.push(params);
      return Promise.resolve(reply(params[0]) as T);
    },
  };
}

describe(multiCall.name, () => {
  it('sends methodName/params structs, kwargs as a final __starstar struct, and maps each outcome', async () => {
    const client = fakeClient(() => [[42], { faultCode: 1002, faultString: 'not logged in' }, [null]]);
    const sut = await multiCall(client, [
      { methodName: 'getTaskInfo', params: [42] },
      { methodName: 'host.getID' },
      { methodName: 'listBuildroots', kwargs: { hostID: 3, state: [0, 1, 2] } },
    ]);
    expect(client.calls[0][0]).toEqual([
      { methodName: 'getTaskInfo', params: [42] },
      { methodName: 'host.getID', params: [] },
      { methodName: 'listBuildroots', params: [{ hostID: 3, state: [0, 1, 2], __starstar: true }] },
    ]);
    expect(sut[0]).toEqual({ ok: true, value: 42 });
    expect(sut[1].ok).toBe(false);
    const failed = sut[1] as { ok: false; error: KojiFault };
    expect(failed.error).toBeInstanceOf(AuthError);
    expect(failed.error.method).toBe('host.getID');
    expect(sut[2]).toEqual({ ok: true, value: null });
  });

  it('splits into batches', async () => {
    const client = fakeClient((calls) => (calls as KojiValue[]).map((_, i) => [i]));
    const sut = await multiCall(
      client,
      Array.from({ length: 5 }, (_, i) => ({ methodName: 'echo', params: [i] })),
      { batch: 2 },
    );
    expect(client.calls.map((c) => (c[0] as KojiValue[]).length)).toEqual([2, 2, 1]);
    expect(sut).toHaveLength(5);
  });

  it.each([
    ['a count that does not match', () => [[1]]],
    ['an entry that is neither [result] nor a fault', () => [[1], 'what']],
    ['not an array', () => 'nope'],
  ])('refuses %s', async (_what, reply) => {
    await expect(
      multiCall(fakeClient(reply), [{ methodName: 'a' }, { methodName: 'b' }]),
    ).rejects.toBeInstanceOf(HubProtocolError);
  });
});

describe(MultiCallBuilder.name, () => {
  it('gives typed results by handle and throws a call’s fault on get', async () => {
    const sut = new MultiCallBuilder(
      fakeClient(() => [[{ id: 7 }], { faultCode: 4242, faultString: 'odd' }]),
    );
    const info = sut.add<{ id: number }>('getTaskInfo', [7]);
    const other = sut.add('mystery');
    const results = await sut.run();
    expect(results.get(info).id).toBe(7);
    expect(() => results.get(other)).toThrow(KojiFault);
    expect(results.outcome(other)).toMatchObject({ ok: false, error: { faultCode: 4242 } });
  });

  it('sends nothing when empty', async () => {
    const client = fakeClient(() => []);
    const results = await new MultiCallBuilder(client).run();
    expect(results.outcomes).toEqual([]);
    expect(client.calls).toHaveLength(0);
  });
});
