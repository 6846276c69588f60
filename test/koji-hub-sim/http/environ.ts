import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestEnviron } from '../rpc/call-context';

/** Headers a test may send in plain-HTTP mode to stand in for mod_ssl / GSSAPI (see README). */
export const TRUSTED_CN_HEADER = 'x-koji-sim-client-cn';
export const TRUSTED_USER_HEADER = 'x-koji-sim-remote-user';

/** Builds the WSGI-like environ of a request. */
export function environOf(req: IncomingMessage, query: string, trustAuthHeaders: boolean): RequestEnviron {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const env: RequestEnviron = {
    headers,
    query,
    remoteAddr: req.socket.remoteAddress ?? '127.0.0.1',
    sslClientVerify: null,
    sslClientCn: null,
    sslClientDn: null,
    remoteUser: null,
  };
  const tls = req.socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate === 'function') {
    const cert = tls.getPeerCertificate();
    if (cert && Object.keys(cert).length > 0) {
      env.sslClientVerify = tls.authorized ? 'SUCCESS' : `FAILED:${String(tls.authorizationError)}`;
      const cn = cert.subject?.CN;
      env.sslClientCn = Array.isArray(cn) ? (cn[0] ?? null) : (cn ?? null);
      env.sslClientDn = Object.entries(cert.subject ?? {})
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',');
    } else {
      env.sslClientVerify = 'NONE';
    }
  } else if (trustAuthHeaders) {
    const cn = headers[TRUSTED_CN_HEADER];
    if (cn) {
      env.sslClientVerify = 'SUCCESS';
      env.sslClientCn = cn;
      env.sslClientDn = `CN=${cn}`;
    }
    env.remoteUser = headers[TRUSTED_USER_HEADER] ?? null;
  }
  return env;
}
