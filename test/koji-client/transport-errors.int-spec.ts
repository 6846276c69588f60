import {
  encodeFault,
  encodeResponse,
  HubConnectionError,
  HubHttpError,
  HubProtocolError,
  KojiClient,
  KojiFault,
} from '@koji-farm/koji';
import { capturedPino } from './support/captured-pino';
import { reset, ScriptedHttpServer, xml, type Responder } from './support/scripted-http-server';

const okReply = (value: string): Responder => xml(encodeResponse(value));
const sessionReply: Responder = xml(
  encodeResponse({ 'session-id': 1, 'session-key': '1-abcdefgh', 'header-auth': true }),
);
const status =
  (code: number, body = ''): Responder =>
  (_req, res) => {
    res.writeHead(code, { 'content-type': 'text/html' }).end(body);
  };

describe('KojiClient against bad transport-level replies', () => {
  let server: ScriptedHttpServer;
  let sut: KojiClient;

  beforeEach(async () => {
    server = await ScriptedHttpServer.start();
    sut = KojiClient.create({
      hubUrl: `${server.url}/kojihub`,
      retry: { maxRetries: 3, intervalMs: 10, anonymous: true },
      timeouts: { requestMs: 2000, bodyMs: 2000 },
    });
  });

  afterEach(async () => {
    await sut.close();
    await server.stop();
  });

  async function failure(promise: Promise<unknown>): Promise<Error> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof Error)) throw new Error('expected the call to fail');
    return err;
  }

  it('reports malformed XML as HubProtocolError, not retried', async () => {
    server.script(
      xml('<methodResponse><params><param><value><int>1</value></param></params></methodResponse>'),
    );
    const err = await failure(sut.call('echo', ['x']));
    expect(err).toBeInstanceOf(HubProtocolError);
    expect(err.message).toMatch(
      /the hub answered echo with a reply that is not valid XML-RPC: malformed XML/,
    );
    expect(err.message).toMatch(/line 1, column/);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a body cut off mid-way (Content-Length not reached) as truncated', async () => {
    server.script((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': '1000' });
      res.write(encodeResponse('x').slice(0, 60), () => res.socket?.destroy());
    });
    const err = await failure(sut.call('echo'));
    expect(err).toBeInstanceOf(HubProtocolError);
    expect(err.message).toMatch(/was cut off after 60 of 1000 bytes/);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a complete HTTP body holding half a document as truncated XML', async () => {
    server.script(xml(encodeResponse('a longer string value').slice(0, 80)));
    const err = await failure(sut.call('echo'));
    expect(err).toBeInstanceOf(HubProtocolError);
    expect(err.message).toMatch(/truncated or incomplete XML: unclosed tag/);
  });

  it('reports an HTML error page sent with 200 as HubProtocolError', async () => {
    server.script(
      xml('<!DOCTYPE html>\n<html><head><title>Maintenance</title></head></html>', 200, 'text/html'),
    );
    const err = await failure(sut.call('echo'));
    expect(err).toBeInstanceOf(HubProtocolError);
    expect(err.message).toMatch(
      /an HTML page instead of XML-RPC: "<!DOCTYPE html> <html><head><title>Maintenance/,
    );
  });

  it('reports an HTML error page with HTTP 500 as HubHttpError, not retried', async () => {
    server.script(status(500, '<html><body><h1>Internal Server Error</h1></body></html>'));
    const err = await failure(sut.call('echo'));
    expect(err).toBeInstanceOf(HubHttpError);
    expect((err as HubHttpError).status).toBe(500);
    expect(err.message).toMatch(/answered HTTP 500: <html><body><h1>Internal Server Error/);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps an unknown fault code and its text', async () => {
    server.script(xml(encodeFault(4242, 'NewFancyError: something new')));
    const err = await failure(sut.call('futureMethod'));
    expect(err.constructor).toBe(KojiFault);
    expect(err).toMatchObject({
      faultCode: 4242,
      faultString: 'NewFancyError: something new',
      retryable: false,
    });
  });

  it('reports an empty 200 as HubProtocolError', async () => {
    server.script((_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end());
    const err = await failure(sut.call('echo'));
    expect(err).toBeInstanceOf(HubProtocolError);
    expect(err.message).toMatch(/sent an empty reply \(HTTP 200 without a body\)/);
  });

  describe('a 10 MB reply', () => {
    const big = encodeResponse('x'.repeat(10 * 1024 * 1024));

    it('is refused past the cap when Content-Length announces it', async () => {
      const capped = KojiClient.create({
        hubUrl: `${server.url}/kojihub`,
        maxResponseBytes: 8 * 1024 * 1024,
      });
      server.script(xml(big));
      const err = await failure(capped.call('getBigThing'));
      await capped.close();
      expect(err).toBeInstanceOf(HubProtocolError);
      expect(err.message).toMatch(/too large: 10485\d+ bytes, the cap is 8388608/);
    });

    it('is refused past the cap while streaming when there is no Content-Length', async () => {
      const capped = KojiClient.create({
        hubUrl: `${server.url}/kojihub`,
        maxResponseBytes: 8 * 1024 * 1024,
      });
      server.script((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(big);
      });
      const err = await failure(capped.call('getBigThing'));
      await capped.close();
      expect(err).toBeInstanceOf(HubProtocolError);
      expect(err.message).toMatch(/too large: over 8388608 bytes/);
    });

    it('is accepted under the default cap', async () => {
      server.script(xml(big));
      await expect(sut.call<string>('getBigThing')).resolves.toHaveLength(10 * 1024 * 1024);
    });
  });

  it('retries a reset connection with the same callnum, then succeeds', async () => {
    server.script(sessionReply, reset, okReply('OK'));
    await loginFake(sut);
    await expect(sut.call('echo', ['OK'])).resolves.toBe('OK');
    expect(callnums(server).slice(1)).toEqual(['0', '0']);
  });

  it('gives up with HubConnectionError after maxRetries resets', async () => {
    server.script(reset);
    const err = await failure(sut.call('echo'));
    expect(err).toBeInstanceOf(HubConnectionError);
    expect((err as HubConnectionError).code).toBe('UND_ERR_SOCKET');
    expect(server.requests).toHaveLength(4);
  });

  it.each([502, 503, 504])(
    'retries HTTP %i from a proxy with the same callnum, then succeeds',
    async (code) => {
      server.script(sessionReply, status(code, 'Bad Gateway'), status(code), okReply('OK'));
      await loginFake(sut);
      await expect(sut.call('host.getID')).resolves.toBe('OK');
      expect(callnums(server)).toEqual([undefined, '0', '0', '0']);
      await expect(sut.call('host.getID')).resolves.toBe('OK');
      expect(callnums(server).at(-1)).toBe('1');
    },
  );

  it('does not retry other HTTP statuses', async () => {
    server.script(status(405, 'Method Not Allowed'));
    const err = await failure(sut.call('echo'));
    expect(err).toBeInstanceOf(HubHttpError);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hub that never answers, retrying each time', async () => {
    const slow = KojiClient.create({
      hubUrl: `${server.url}/kojihub`,
      retry: { maxRetries: 1, intervalMs: 1, anonymous: true },
      timeouts: { requestMs: 200 },
    });
    server.script(() => undefined);
    const err = await failure(slow.call('echo'));
    await slow.close();
    expect(err).toBeInstanceOf(HubConnectionError);
    expect((err as HubConnectionError).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(server.requests).toHaveLength(2);
  });

  it('retries a refused connection and reports it', async () => {
    const port = new URL(server.url).port;
    await server.stop();
    const err = await failure(sut.call('echo'));
    expect(err).toBeInstanceOf(HubConnectionError);
    expect(err.message).toBe(
      `no answer from http://127.0.0.1:${port}/kojihub (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    server = await ScriptedHttpServer.start();
  });

  it('stops waiting for the next retry when the signal aborts', async () => {
    const patient = KojiClient.create({
      hubUrl: `${server.url}/kojihub`,
      retry: { maxRetries: 5, intervalMs: 60_000, anonymous: true },
    });
    server.script(reset);
    const controller = new AbortController();
    const pending = patient.call('echo', [], undefined, { signal: controller.signal });
    const deadline = Date.now() + 5000;
    while (server.requests.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('poller stopping'));
    await expect(pending).rejects.toThrow('poller stopping');
    await patient.close();
    expect(server.requests).toHaveLength(2);
  });

  it('keeps passwords and session keys out of errors and logs', async () => {
    const { logger, lines } = capturedPino();
    const logged = KojiClient.create({
      hubUrl: `${server.url}/kojihub`,
      logger,
      retry: { maxRetries: 1, intervalMs: 1 },
    });
    const key = '5-Sup3rS3cr3tK3y';
    server.script(
      xml(encodeResponse({ 'session-id': 5, 'session-key': key, 'header-auth': true })),
      reset,
      xml(encodeFault(1000, `no such thing; your key was ${key}`)),
      status(500, `<pre>Traceback: session_key=${key}</pre>`),
      xml(encodeFault(1002, 'invalid password hunter2 for kojid')),
    );
    await logged.login('kojid', 'hunter2');
    const errors = [await failure(logged.call('getThing')), await failure(logged.call('getOtherThing'))];
    await logged.logout().catch((e: unknown) => errors.push(e as Error));
    const fresh = KojiClient.create({ hubUrl: `${server.url}/kojihub`, logger });
    errors.push(await failure(fresh.login('kojid', 'hunter2')));
    await fresh.close();
    await logged.close();

    expect(errors.map((e) => e.message)).toEqual([
      'no such thing; your key was *** (Koji fault 1000 from getThing)',
      expect.stringMatching(/answered HTTP 500: <pre>Traceback: session_key=\*\*\*<\/pre>/),
      'invalid password *** for kojid (Koji fault 1002 from logout)',
      'invalid password *** for kojid (Koji fault 1002 from login)',
    ]);
    const everything = [...lines, ...errors.map((e) => `${e.message} ${e.stack} ${JSON.stringify(e)}`)].join(
      '\n',
    );
    expect(lines.length).toBeGreaterThan(3);
    expect(everything).not.toContain(key);
    expect(everything).not.toContain('hunter2');
    // The key did travel, in the header only.
    expect(server.requests[1].headers['koji-session-key']).toBe(key);
  });
});

/** Logs in against the script's first responder, which must be {@link sessionReply}. */
async function loginFake(client: KojiClient): Promise<void> {
  await client.login('kojid', 'pw');
}

function callnums(server: ScriptedHttpServer): Array<string | undefined> {
  return server.requests.map((r) => r.headers['koji-session-callnum'] as string | undefined);
}
