import { HubConnectionError } from '../errors/hub-connection-error';
import { HubTlsError } from '../errors/hub-tls-error';
import { errorMessage } from './error-message';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps an error thrown before a response arrived to a typed transport error: TLS
 * problems are not retryable, network failures are. Anything unknown is returned as
 * is (a bug, not a network condition). `where` is a redacted URL.
 */
export function classifyRequestError(err: unknown, where: string): unknown {
  const code = codeOf(err);
  const detail = errorMessage(err);
  if (code && TLS_CODE.test(code)) {
    return new HubTlsError(`TLS with ${where} failed (${code}): ${detail}`, { cause: err });
  }
  if (code && CONNECTION_CODES.has(code)) {
    return new HubConnectionError(`no answer from ${where} (${code}): ${detail}`, code, { cause: err });
  }
  return err;
}
