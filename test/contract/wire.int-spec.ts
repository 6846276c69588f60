import { decodeResponse, encodeRequest, GenericError, KojiClient, ParameterError } from '@koji-farm/koji';
import { CONTRACT_HUB } from './support/contract-config';
import { HubUnderTest } from './support/hub-under-test';

async function post(url: string, body: string, contentType = 'text/xml'): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'Content-Type': contentType } });
}

describe('hub wire format', () => {
  let hut: HubUnderTest;
  beforeEach(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
  });
  afterEach(async () => {
    await hut.stop();
  });

  it('answers GET with 405 and POST only, with the Koji-Version header', async () => {
    const res = await fetch(hut.hubUrl);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.headers.get('koji-version')).toMatch(/^1\.\d+/);
  });

  it('answers an empty body with HTTP 400', async () => {
    const res = await post(hut.hubUrl, '');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Empty request');
  });

  it('answers a body that is not XML-RPC with HTTP 400', async () => {
    const res = await post(hut.hubUrl, '<methodCall><oops');
    expect(res.status).toBe(400);
  });

  it('answers an unknown method with fault 1000 "Invalid method"', async () => {
    const res = await post(hut.hubUrl, encodeRequest('noSuchMethod', []));
    expect(res.status).toBe(200);
    expect(res.headers.get('koji-version')).toBeTruthy();
    expect(decodeResponse(await res.text())).toEqual({
      ok: false,
      faultCode: 1000,
      faultString: 'Invalid method: noSuchMethod',
    });
  });

  it('reports missing and surplus arguments as ParameterError 1019 with Python TypeError text', async () => {
    const client = hut.client();
    const missing = await client.call('getTaskInfo').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ParameterError);
    expect((missing as ParameterError).faultString).toMatch(
      /getTaskInfo\(\) missing 1 required positional argument: 'task_id'/,
    );
    const surplus = await client.call('getTaskInfo', [1, false, false, 'x']).catch((e: unknown) => e);
    expect((surplus as ParameterError).faultCode).toBe(1019);
    expect((surplus as ParameterError).faultString).toMatch(
      /takes from 2 to 4 positional arguments but 5 were given/,
    );
    const kw = await client.call('getTaskInfo', [1], { bogus: 1 }).catch((e: unknown) => e);
    expect((kw as ParameterError).faultString).toMatch(/got an unexpected keyword argument 'bogus'/);
  });

  it('reports a value of the wrong type as ParameterError', async () => {
    const err = await hut
      .client()
      .call('getTaskInfo', ['not-a-number'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParameterError);
    expect((err as ParameterError).faultString).toBe(
      "Invalid type for value 'not-a-number': <class 'str'>, expected type <class 'int'>",
    );
  });

  it('echoes its arguments and returns nil for an unknown task', async () => {
    const client = hut.client();
    expect(await client.call('echo', ['OK'])).toEqual(['OK']);
    expect(await client.call('getTaskInfo', [2147483647])).toBeNull(); // no hub has that many tasks
  });

  it('runs multiCall entries each as [result] or a fault struct', async () => {
    const client: KojiClient = hut.client();
    const res = await client.call<unknown[]>('multiCall', [
      [
        { methodName: 'echo', params: ['a', 1] },
        { methodName: 'noSuchMethod', params: [] },
        { methodName: 'getTaskInfo', params: [] },
      ],
    ]);
    expect(res[0]).toEqual([['a', 1]]);
    expect(res[1]).toMatchObject({ faultCode: 1000, faultString: 'Invalid method: noSuchMethod' });
    expect(res[2]).toMatchObject({ faultCode: 1019 });
  });

  it('refuses host calls from an anonymous caller with AuthError', async () => {
    const err = await hut
      .client()
      .call('host.getID')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenericError);
    expect((err as GenericError).faultCode).toBe(1002);
  });
});
