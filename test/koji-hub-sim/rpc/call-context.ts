import type { Session } from '../auth/session';

/**
 * What the hub's WSGI `environ` tells a call: headers, the query string, the peer
 * and what mod_ssl / mod_auth_gssapi put there. Header names are lower case.
 */
export interface RequestEnviron {
  headers: Record<string, string | undefined>;
  query: string;
  remoteAddr: string;
  /** mod_ssl's SSL_CLIENT_VERIFY: 'SUCCESS' when a client certificate checked out. */
  sslClientVerify: string | null;
  sslClientCn: string | null;
  sslClientDn: string | null;
  /** REMOTE_USER as GSSAPI authentication would set it. */
  remoteUser: string | null;
}

/** kojihub's `context` for one request: the method being run and the session. */
export interface CallContext {
  method: string;
  environ: RequestEnviron;
  session: Session;
}
