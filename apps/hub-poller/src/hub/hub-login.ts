import { type KojiClient } from '@koji-farm/koji';
import { type HubAuthConfig } from '../config/hub-auth.config';

/** Logs `client` in the way the config says (protocol §2). */
export async function loginWith(
  client: KojiClient,
  auth: HubAuthConfig,
  signal?: AbortSignal,
): Promise<void> {
  switch (auth.kind) {
    case 'password':
      return client.login(auth.user, auth.password, { signal });
    case 'ssl':
      return client.sslLogin({ signal });
    case 'gssapi':
      return client.gssapiLogin({ principal: auth.principal, service: auth.service }, { signal });
  }
}
