import { createRequire } from 'node:module';
import { LoginUnavailableError } from '../errors/login-unavailable-error';
import type { KojiValue } from '../xmlrpc/koji-value';
import { renewKwargs, type LoginContext, type LoginStrategy } from './login-strategy';
import { errorMessage } from '../transport/error-message';

/** The part of the optional `kerberos` module (mongodb-js/kerberos) this strategy uses. */
export interface KerberosModule {
  GSS_MECH_OID_SPNEGO?: unknown;
  initializeClient(
    service: string,
    options?: { principal?: string; mechOID?: unknown },
  ): Promise<{
    step(challenge: string): Promise<string>;
  }>;
}

export interface GssapiLoginOptions {
  /** The client principal; the default credential cache's when unset. */
  principal?: string;
  /** The hub's service, `HTTP@<hub host>` when unset. */
  service?: string;
  /** Loads the native module; the default requires the optional `kerberos` package. */
  loadModule?: () => KerberosModule;
}

const MODULE_NAME = 'kerberos';

/**
 * GSSAPI (Kerberos) login: `sslLogin` at `/ssllogin` with an SPNEGO
 * `Authorization: Negotiate` token. Needs the optional native `kerberos` module,
 * which koji-farm does not ship: without it, login fails with LoginUnavailableError.
 */
export class GssapiLogin implements LoginStrategy {
  readonly kind = 'gssapi';

  constructor(private readonly options: GssapiLoginOptions = {}) {}

  async login(context: LoginContext, renew: boolean): Promise<KojiValue> {
    const kerberos = this.loadKerberos();
    const service = this.options.service ?? `HTTP@${new URL(context.hubUrl).hostname}`;
    let token: string;
    try {
      const client = await kerberos.initializeClient(service, {
        principal: this.options.principal,
        mechOID: kerberos.GSS_MECH_OID_SPNEGO,
      });
      token = await client.step('');
    } catch (err) {
      const detail = errorMessage(err);
      throw new LoginUnavailableError(`GSSAPI could not get a ticket for ${service}: ${detail}`, {
        cause: err,
      });
    }
    return context.send({
      method: 'sslLogin',
      params: [],
      kwargs: renewKwargs(renew),
      path: '/ssllogin',
      headers: { Authorization: `Negotiate ${token}` },
      secrets: [token],
    });
  }

  private loadKerberos(): KerberosModule {
    const load = this.options.loadModule ?? (() => createRequire(__filename)(MODULE_NAME) as KerberosModule);
    try {
      return load();
    } catch (err) {
      throw new LoginUnavailableError(
        `GSSAPI login needs the optional native module "${MODULE_NAME}", which is not installed ` +
          `(npm install ${MODULE_NAME}); log in with a password or a TLS client certificate instead`,
        { cause: err },
      );
    }
  }
}
