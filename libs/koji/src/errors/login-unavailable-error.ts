/**
 * A login kind this process cannot perform: GSSAPI without the optional `kerberos`
 * module, TLS client certificate login without a certificate or over plain http.
 */
export class LoginUnavailableError extends Error {
  override readonly name = 'LoginUnavailableError';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
