import type { KojiValue } from '../xmlrpc/koji-value';

/** What a login strategy may ask of the client: one login call to the hub. */
export interface LoginCall {
  method: 'login' | 'sslLogin';
  params: KojiValue[];
  kwargs?: Record<string, KojiValue>;
  /** `'/ssllogin'` for certificate and GSSAPI logins. */
  path?: string;
  /** Extra HTTP headers (GSSAPI's `Authorization: Negotiate`). Never logged. */
  headers?: Record<string, string>;
  /** Values to keep out of errors and logs (the password). */
  secrets?: string[];
}

export interface LoginContext {
  /** The hub URL, to check the scheme or derive a service name. */
  readonly hubUrl: string;
  /** Sends the login call (with the old session's headers when renewing). */
  send(call: LoginCall): Promise<KojiValue>;
}

/**
 * One way to log in: password, TLS client certificate, GSSAPI, or your own. The client
 * keeps the strategy to log in again (`renew`) when the session expires.
 */
export interface LoginStrategy {
  /** `password`, `ssl`, `gssapi`...: for logs. */
  readonly kind: string;
  /** Returns the hub's session info (`{session-id, session-key, header-auth}`). */
  login(context: LoginContext, renew: boolean): Promise<KojiValue>;
  /** Values the client scrubs from every error text of the session (the password). */
  secretValues?(): string[];
}

/** The keyword arguments of a renewing login. `exclusive` is left out on purpose (ADR 0022). */
export function renewKwargs(renew: boolean): Record<string, KojiValue> | undefined {
  return renew ? { renew: true } : undefined;
}
