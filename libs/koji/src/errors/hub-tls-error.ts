/**
 * TLS could not be set up: a certificate file that cannot be read, a hub certificate
 * that does not verify, a client certificate the hub refused. Not retryable: the same
 * certificates will fail the same way.
 */
export class HubTlsError extends Error {
  override readonly name = 'HubTlsError';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
