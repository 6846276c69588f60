import { LoginUnavailableError } from '../errors/login-unavailable-error';
import { GssapiLogin, type KerberosModule } from './gssapi-login';
import type { LoginCall, LoginContext } from './login-strategy';

function context(): LoginContext & { sent: LoginCall[] } {
  const sent: LoginCall[] = [];
  return {
    hubUrl: 'https://koji.example.org/kojihub',
    sent,
    send: (call) => {
      sent.push(call);
      return Promise.resolve({ 'session-id': 1, 'session-key': '1-k', 'header-auth': true });
    },
  };
}

describe(GssapiLogin.name, () => {
  it('fails with a clear LoginUnavailableError when the kerberos module is absent', async () => {
    const sut = new GssapiLogin({
      loadModule: () => {
        throw Object.assign(new Error("Cannot find module 'kerberos'"), { code: 'MODULE_NOT_FOUND' });
      },
    });
    const err = await sut.login(context(), false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoginUnavailableError);
    expect((err as Error).message).toMatch(/optional native module "kerberos", which is not installed/);
    expect((err as Error).message).toMatch(/password or a TLS client certificate/);
  });

  it('fails the same way with the default loader on this machine (no kerberos shipped)', async () => {
    await expect(new GssapiLogin().login(context(), false)).rejects.toBeInstanceOf(LoginUnavailableError);
  });

  it('sends sslLogin to /ssllogin with a Negotiate token for HTTP@<hub host>', async () => {
    const initializeClient = jest.fn((_service: string) =>
      Promise.resolve({ step: () => Promise.resolve('dG9rZW4=') }),
    );
    const kerberos: KerberosModule = { GSS_MECH_OID_SPNEGO: 'spnego', initializeClient };
    const ctx = context();
    await new GssapiLogin({ loadModule: () => kerberos }).login(ctx, true);
    expect(initializeClient.mock.calls[0][0]).toBe('HTTP@koji.example.org');
    expect(ctx.sent[0]).toMatchObject({
      method: 'sslLogin',
      path: '/ssllogin',
      headers: { Authorization: 'Negotiate dG9rZW4=' },
      kwargs: { renew: true },
    });
  });

  it('reports a Kerberos failure (no ticket) as LoginUnavailableError', async () => {
    const kerberos: KerberosModule = {
      initializeClient: () => Promise.reject(new Error('No Kerberos credentials available')),
    };
    await expect(new GssapiLogin({ loadModule: () => kerberos }).login(context(), false)).rejects.toThrow(
      /GSSAPI could not get a ticket for HTTP@koji.example.org: No Kerberos credentials available/,
    );
  });
});
