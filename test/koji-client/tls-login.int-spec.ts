import {
  decodeRequest,
  encodeResponse,
  HubConnectionError,
  HubTlsError,
  KojiClient,
  LoginUnavailableError,
  SslLogin,
} from '@koji-farm/koji';
import { ScriptedHttpServer, xml, type Responder } from './support/scripted-http-server';
import { makeTlsFixture, read, type TlsFixture } from './support/tls-fixture';

const CLIENT_CN = 'kojid-host-01';

/** Stands in for the hub's /ssllogin: a session for the certificate's CN, then echo. */
const hub: Responder = (req, res) => {
  const call = decodeRequest(req.body);
  if (req.url === '/kojihub/ssllogin' && call.method === 'sslLogin' && req.clientCn === CLIENT_CN) {
    xml(encodeResponse({ 'session-id': 77, 'session-key': '77-tlssessionkey', 'header-auth': true }))(
      req,
      res,
    );
  } else {
    xml(encodeResponse([call.method, req.clientCn ?? null]))(req, res);
  }
};

describe('KojiClient TLS client certificate login', () => {
  let tls: TlsFixture;
  let server: ScriptedHttpServer;
  const clients: KojiClient[] = [];

  beforeAll(async () => {
    tls = makeTlsFixture(CLIENT_CN);
    server = await ScriptedHttpServer.start({
      key: read(tls.serverKeyFile),
      cert: read(tls.serverCertFile),
      ca: read(tls.caFile),
      requestCert: true,
      rejectUnauthorized: true,
    });
    server.script(hub);
  });

  afterAll(async () => {
    await server.stop();
    tls.cleanup();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    server.requests.length = 0;
  });

  function client(
    files: { certFile?: string; keyFile?: string; caFile?: string },
    hubUrl = `${server.url}/kojihub`,
  ) {
    const created = KojiClient.create({ hubUrl, tls: files, retry: { maxRetries: 1, intervalMs: 1 } });
    clients.push(created);
    return created;
  }

  it('logs in at <hub>/ssllogin with the certificate and then calls with the session headers', async () => {
    const sut = client({ certFile: tls.clientCertFile, keyFile: tls.clientKeyFile, caFile: tls.caFile });
    await sut.sslLogin();
    expect(sut.sessionId).toBe(77);
    await expect(sut.call('getLoggedInUser')).resolves.toEqual(['getLoggedInUser', CLIENT_CN]);
    expect(server.requests.map((r) => r.url)).toEqual(['/kojihub/ssllogin', '/kojihub']);
    expect(server.requests[1].headers).toMatchObject({
      'koji-session-id': '77',
      'koji-session-key': '77-tlssessionkey',
      'koji-session-callnum': '0',
    });
  });

  it('refuses a hub whose certificate the CA does not vouch for, without retrying', async () => {
    const sut = client({ certFile: tls.clientCertFile, keyFile: tls.clientKeyFile, caFile: tls.otherCaFile });
    const err = await sut.sslLogin().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubTlsError);
    expect((err as Error).message).toMatch(
      /^TLS with https:\/\/127\.0\.0\.1:\d+\/kojihub\/ssllogin failed \(/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('fails fast without a client certificate when the hub requires one', async () => {
    const sut = client({ caFile: tls.caFile });
    // SslLogin(true) skips the local "no certificate configured" check, so the hub's refusal shows
    const err = await sut.loginWith(new SslLogin(true)).catch((e: unknown) => e);
    // TLS 1.3 reports the refusal after the handshake, usually as "other side closed";
    // a login is sent once (no anonymous retry), so this fails at once.
    expect(err instanceof HubTlsError || err instanceof HubConnectionError).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('says clearly when no certificate is configured or the hub is not https', async () => {
    const noCert = client({ caFile: tls.caFile }).sslLogin();
    await expect(noCert).rejects.toBeInstanceOf(LoginUnavailableError);
    await expect(noCert).rejects.toThrow('TLS client certificate login needs tls.certFile and tls.keyFile');
    const plain = client(
      { certFile: tls.clientCertFile, keyFile: tls.clientKeyFile },
      'http://127.0.0.1:9/kojihub',
    );
    await expect(plain.sslLogin()).rejects.toThrow(/needs an https hub URL/);
  });

  it('says which TLS file it cannot read', () => {
    const make = () => client({ certFile: `${tls.dir}/missing.crt`, keyFile: tls.clientKeyFile });
    expect(make).toThrow(HubTlsError);
    expect(make).toThrow(`cannot read the TLS client certificate file ${tls.dir}/missing.crt (ENOENT)`);
  });
});
