import { HubConnectionError } from '../errors/hub-connection-error';
import { HubProtocolError } from '../errors/hub-protocol-error';
import { RetryError } from '../errors/retry-error';
import { SequenceError } from '../errors/sequence-error';
import { ServerOffline } from '../errors/server-offline';
import { TagError } from '../errors/tag-error';
import { silentLogger } from '../logging/koji-logger';
import { SessionState } from '../session/session-state';
import type { HubPost } from '../transport/hub-transport';
import { encodeFault, encodeResponse } from '../xmlrpc/encode';
import type { OfflineRetryPolicy, RetryPolicy } from './koji-client-options';
import { RpcCaller, type HubPoster, type RpcRequest } from './rpc-caller';

type Step = Buffer | Error;

/** Answers each POST with the next scripted step and records what was sent. */
class ScriptedPoster implements HubPoster {
  readonly sent: HubPost[] = [];
  constructor(private readonly steps: Step[]) {}

  post(request: HubPost): Promise<Buffer> {
    this.sent.push(request);
    const step = this.steps.shift();
    if (!step) return Promise.reject(new Error('no more scripted replies'));
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
  }

  get callnums(): Array<string | undefined> {
    return this.sent.map((r) => r.headers['Koji-Session-Callnum']);
  }
}

const ok = (value: Parameters<typeof encodeResponse>[0]): Buffer => Buffer.from(encodeResponse(value));
const fault = (code: number, text: string): Buffer => Buffer.from(encodeFault(code, text));
const refused = (): HubConnectionError => new HubConnectionError('no answer (ECONNREFUSED)', 'ECONNREFUSED');
const request = (extra: Partial<RpcRequest> = {}): RpcRequest => ({
  label: 'host.updateHost',
  build: () => ({ url: 'http://hub/kojihub', headers: {}, body: '<x/>', contentType: 'text/xml' }),
  ...extra,
});

function caller(
  poster: HubPoster,
  retry: Partial<RetryPolicy> = {},
  offline: Partial<OfflineRetryPolicy> = {},
): RpcCaller {
  return new RpcCaller(
    poster,
    { maxRetries: 3, intervalMs: 1, anonymous: true, ...retry },
    { enabled: false, intervalMs: 1, ...offline },
    silentLogger,
  );
}

describe(RpcCaller.name, () => {
  it('sends the session headers and takes one callnum per request', async () => {
    const poster = new ScriptedPoster([ok(1), ok(2)]);
    const session = new SessionState(7, '7-secretkey', 0, false);
    const sut = caller(poster);
    await expect(sut.send(session, request())).resolves.toBe(1);
    await expect(sut.send(session, request())).resolves.toBe(2);
    expect(poster.sent[0].headers).toMatchObject({
      'Koji-Session-Id': '7',
      'Koji-Session-Key': '7-secretkey',
    });
    expect(poster.callnums).toEqual(['0', '1']);
    expect(session.nextCallnum).toBe(2);
  });

  it('sends no session headers without a session', async () => {
    const poster = new ScriptedPoster([ok('OK')]);
    await caller(poster).send(null, request());
    expect(poster.sent[0].headers).toEqual({});
  });

  it('resends a failed connection with the same callnum, then succeeds', async () => {
    const poster = new ScriptedPoster([refused(), refused(), ok('done')]);
    const session = new SessionState(1, '1-key', 5, false);
    await expect(caller(poster).send(session, request())).resolves.toBe('done');
    expect(poster.callnums).toEqual(['5', '5', '5']);
    expect(session.nextCallnum).toBe(6);
  });

  it('tells the request builder which sends are resends', async () => {
    const poster = new ScriptedPoster([refused(), ok(0)]);
    const resends: boolean[] = [];
    const build = (_c: number | undefined, resend: boolean) => {
      resends.push(resend);
      return { url: 'http://hub/kojihub', headers: {}, body: '', contentType: 'text/xml' as const };
    };
    await caller(poster).send(new SessionState(1, '1-key', 0, false), request({ build }));
    expect(resends).toEqual([false, true]);
  });

  it('gives up after maxRetries retries with the connection error', async () => {
    const poster = new ScriptedPoster([refused(), refused(), refused()]);
    await expect(caller(poster, { maxRetries: 2 }).send(null, request())).rejects.toBeInstanceOf(
      HubConnectionError,
    );
    expect(poster.sent).toHaveLength(3);
  });

  it('sends calls without a session once unless anonymous retry is on (koji anon_retry)', async () => {
    const poster = new ScriptedPoster([refused(), ok(1)]);
    await expect(caller(poster, { anonymous: false }).send(null, request())).rejects.toBeInstanceOf(
      HubConnectionError,
    );
    expect(poster.sent).toHaveLength(1);
  });

  it('does not retry when the request says so', async () => {
    const poster = new ScriptedPoster([refused(), ok(1)]);
    await expect(caller(poster).send(null, request({ retry: false }))).rejects.toBeInstanceOf(
      HubConnectionError,
    );
    expect(poster.sent).toHaveLength(1);
  });

  it('never resends a fault', async () => {
    const poster = new ScriptedPoster([fault(1003, 'tag f40 does not exist'), ok(1)]);
    const err = await caller(poster)
      .send(null, request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TagError);
    expect(poster.sent).toHaveLength(1);
  });

  it('marks a RetryError that follows its own resend: the first attempt committed', async () => {
    const poster = new ScriptedPoster([refused(), fault(1009, 'unable to retry call 4')]);
    const err = await caller(poster)
      .send(new SessionState(1, '1-key', 4, true), request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    expect((err as RetryError).attempts).toBe(2);
    expect(poster.callnums).toEqual(['4', '4']);
  });

  it('stops waiting between retries when aborted', async () => {
    const poster = new ScriptedPoster([refused(), refused(), ok(1)]);
    const controller = new AbortController();
    const sut = caller(poster, { intervalMs: 60_000 });
    const pending = sut.send(null, request({ signal: controller.signal }));
    // The first retry goes out at once; the second waits a minute, until the abort.
    while (poster.sent.length < 2) await new Promise((r) => setImmediate(r));
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(poster.sent).toHaveLength(2);
  });

  it('raises ServerOffline unless offline retry is on, then waits and resends the same callnum', async () => {
    const off = new ScriptedPoster([fault(1014, 'Server disabled for maintenance')]);
    await expect(caller(off).send(null, request())).rejects.toBeInstanceOf(ServerOffline);

    const poster = new ScriptedPoster([fault(1014, 'offline'), fault(1014, 'offline'), ok('back')]);
    const session = new SessionState(1, '1-key', 9, false);
    await expect(caller(poster, {}, { enabled: true }).send(session, request())).resolves.toBe('back');
    expect(poster.callnums).toEqual(['9', '9', '9']);
  });

  describe('on a shared session', () => {
    it('moves past the callnum the hub reports in a SequenceError and resends', async () => {
      const poster = new ScriptedPoster([fault(1008, '41 > 0 (session 12)'), ok('fine')]);
      const session = new SessionState(12, '12-key', 0, true);
      await expect(caller(poster).send(session, request())).resolves.toBe('fine');
      expect(poster.callnums).toEqual(['0', '42']);
      expect(session.nextCallnum).toBe(43);
    });

    it('takes the next callnum when another process already used ours (RetryError on a first send)', async () => {
      const poster = new ScriptedPoster([fault(1009, 'unable to retry call 3'), ok('fine')]);
      const session = new SessionState(12, '12-key', 3, true);
      await expect(caller(poster).send(session, request())).resolves.toBe('fine');
      expect(poster.callnums).toEqual(['3', '4']);
    });

    it('gives up after a few resyncs', async () => {
      const replies = Array.from({ length: 5 }, (_, i) => fault(1008, `${100 * (i + 1)} > 0`));
      const poster = new ScriptedPoster(replies);
      await expect(
        caller(poster).send(new SessionState(1, '1-key', 0, true), request()),
      ).rejects.toBeInstanceOf(SequenceError);
      expect(poster.sent).toHaveLength(4);
    });
  });

  it('raises SequenceError on a session of its own (no resync)', async () => {
    const poster = new ScriptedPoster([fault(1008, '41 > 0 (session 12)')]);
    await expect(
      caller(poster).send(new SessionState(12, '12-key', 0, false), request()),
    ).rejects.toBeInstanceOf(SequenceError);
    expect(poster.sent).toHaveLength(1);
  });

  it('keeps the session key and passwords out of fault messages', async () => {
    const poster = new ScriptedPoster([fault(1002, 'bad login hunter2 for session 3-s3cr3tkey')]);
    const err = (await caller(poster)
      .send(new SessionState(3, '3-s3cr3tkey', 0, false), request({ secrets: ['hunter2'] }))
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('bad login *** for session *** (Koji fault 1002 from host.updateHost)');
    expect(JSON.stringify(err)).not.toMatch(/hunter2|s3cr3tkey/);
  });

  it.each([
    [
      'an HTML page',
      '<!DOCTYPE html><html><title>Oops</title></html>',
      /with an HTML page instead of XML-RPC: "<!DOCTYPE html>/,
    ],
    ['broken XML', '<methodResponse><params>', /not valid XML-RPC: truncated or incomplete XML/],
    ['text', 'Internal Server Error', /not valid XML-RPC: the body is not XML/],
  ])('turns %s into a HubProtocolError naming the method', async (_what, body, message) => {
    const poster = new ScriptedPoster([Buffer.from(body)]);
    const err = await caller(poster)
      .send(null, request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubProtocolError);
    expect((err as Error).message).toMatch(/^the hub answered host\.updateHost with /);
    expect((err as Error).message).toMatch(message);
  });
});
