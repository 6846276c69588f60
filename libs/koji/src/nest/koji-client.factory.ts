import { Inject, Injectable } from '@nestjs/common';
import { KojiClient, type ExistingSessionOptions } from '../client/koji-client';
import type { KojiClientOptions } from '../client/koji-client-options';
import type { SessionCredentials } from '../session/session-credentials';
import { KOJI_CLIENT_OPTIONS } from './koji-client-options.token';

/**
 * The injectable seam to the hub: services ask it for clients instead of building
 * them, and unit tests replace it. Every client it returns must be `close()`d.
 */
@Injectable()
export class KojiClientFactory {
  constructor(@Inject(KOJI_CLIENT_OPTIONS) private readonly options: KojiClientOptions) {}

  /** A client without a session; log in with it (the poller's master session). */
  create(overrides: Partial<KojiClientOptions> = {}): KojiClient {
    return KojiClient.create({ ...this.options, ...overrides });
  }

  /** A client on a session from a task message (the executor's side). */
  fromSession(session: SessionCredentials, options: ExistingSessionOptions = {}): KojiClient {
    return KojiClient.fromSession(session, this.options, options);
  }
}
