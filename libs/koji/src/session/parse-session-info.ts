import { AuthError } from '../errors/auth-error';
import { HubProtocolError } from '../errors/hub-protocol-error';
import { isKojiStruct, type KojiValue } from '../xmlrpc/koji-value';
import type { SessionCredentials } from './session-credentials';

/**
 * Reads `{session-id, session-key, header-auth}` from a login or subsession reply.
 * The hub answers nil when it refuses (e.g. renewing a subsession whose master died).
 */
export function parseSessionInfo(value: KojiValue, method: string): SessionCredentials {
  if (value === null || value === false) {
    throw new AuthError(`${method} returned no session`, { method });
  }
  if (!isKojiStruct(value))
    throw new HubProtocolError(`${method} returned a ${typeof value}, not a session struct`);
  const id = value['session-id'];
  const key = value['session-key'];
  if (typeof id !== 'number' || !Number.isInteger(id) || typeof key !== 'string' || key.length === 0) {
    throw new HubProtocolError(`${method} returned a struct without an integer session-id and a session-key`);
  }
  if (value['header-auth'] !== true) {
    throw new HubProtocolError(
      `${method}: this hub does not take session headers (no header-auth: Koji older than 1.30 is not supported)`,
    );
  }
  return { id, key };
}
