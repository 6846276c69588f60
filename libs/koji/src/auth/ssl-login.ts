import { LoginUnavailableError } from '../errors/login-unavailable-error';
import type { KojiValue } from '../xmlrpc/koji-value';
import { renewKwargs, type LoginContext, type LoginStrategy } from './login-strategy';

/**
 * `sslLogin()` POSTed to `<hub>/ssllogin`: the hub maps the TLS client certificate's
 * CN to the user. The certificate and key come from the client's `tls` options.
 */
export class SslLogin implements LoginStrategy {
  readonly kind = 'ssl';

  constructor(
    private readonly hasClientCertificate: boolean,
    private readonly proxyUser?: string,
  ) {}

  login(context: LoginContext, renew: boolean): Promise<KojiValue> {
    if (!context.hubUrl.startsWith('https:')) {
      throw new LoginUnavailableError('TLS client certificate login needs an https hub URL');
    }
    if (!this.hasClientCertificate) {
      throw new LoginUnavailableError('TLS client certificate login needs tls.certFile and tls.keyFile');
    }
    const kwargs: Record<string, KojiValue> = { ...renewKwargs(renew) };
    if (this.proxyUser) kwargs.proxyuser = this.proxyUser;
    return context.send({ method: 'sslLogin', params: [], kwargs, path: '/ssllogin' });
  }
}
