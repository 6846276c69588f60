/**
 * `@koji-farm/koji`: the Koji hub client.
 *
 * - {@link KojiClient}: calls with session headers and callnum, logins (password,
 *   TLS client certificate, GSSAPI), AuthExpired renewal, connection retries that keep
 *   the callnum, exclusive sessions, subsessions, `fromSession` for task sessions.
 * - {@link multiCall} / {@link MultiCallBuilder}: several calls in one transaction.
 * - {@link FastUploader}, {@link IncrementalLogUploader}: Koji's fast upload (adler32
 *   per chunk, `checkUpload` at the end) and kojid-style growing-log uploads.
 * - {@link closeTaskOnce} / {@link failTaskOnce} / {@link repeatSafe}: host writes that
 *   count as done when a lost reply's resend finds them done (ADR 0037).
 * - {@link Downloader}: streaming downloads from `topurl` with size checks.
 * - errors: one class per Koji fault code ({@link faultFromCode}) plus transport
 *   errors; every error has `retryable`.
 * - xmlrpc: the codec (also used by the hub simulator).
 *
 * Secrets (session keys, passwords) never appear in logs or error messages.
 */
export * from './xmlrpc';
export * from './errors';

export {
  KojiClient,
  type CallOptions,
  type ExistingSessionOptions,
  type SessionRefusedHandler,
} from './client/koji-client';
export {
  type KojiClientOptions,
  type ResolvedKojiClientOptions,
  type RetryPolicy,
  type OfflineRetryPolicy,
  type KojiClientTimeouts,
  DEFAULT_RETRY,
  DEFAULT_OFFLINE_RETRY,
  DEFAULT_TIMEOUTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_UPLOAD_CHUNK_BYTES,
  resolveKojiClientOptions,
} from './client/koji-client-options';
export type { RpcRequest } from './client/rpc-caller';
export {
  multiCall,
  MultiCallBuilder,
  MultiCallResults,
  type MultiCallEntry,
  type MultiCallOutcome,
  type MultiCallOptions,
  type MultiCallHandle,
} from './client/multicall';

export type { SessionCredentials } from './session/session-credentials';
export { MAX_CALLNUM } from './session/session-state';

export type { LoginStrategy, LoginContext, LoginCall } from './auth/login-strategy';
export { PasswordLogin } from './auth/password-login';
export { SslLogin } from './auth/ssl-login';
export { GssapiLogin, type GssapiLoginOptions, type KerberosModule } from './auth/gssapi-login';

export { FastUploader, type FastUploadOptions, type FastUploadResult } from './upload/fast-uploader';
export { rawUpload, type RawUploadOptions, type RawUploadReply } from './upload/raw-upload';
export {
  IncrementalLogUploader,
  type IncrementalLogUploaderOptions,
} from './upload/incremental-log-uploader';
export { FileLogSource, type LogSource, type LogSnapshot } from './upload/log-source';
export { checkUploadTarget, type UploadTarget } from './upload/upload-target';
export { adler32, adler32Hex, ADLER32_EMPTY } from './upload/adler32';

export { repeatSafe, closeTaskOnce, failTaskOnce, type HubCall, type Settled } from './host/repeat-safe';

export { Downloader, type DownloadOptions, type DownloadResult } from './download/downloader';

export { HubTransport, type TlsFiles, type HubTransportOptions } from './transport/hub-transport';
export { redactUrl } from './transport/redact';
export { type KojiLogger, silentLogger } from './logging/koji-logger';

export { KojiModule } from './nest/koji.module';
export { KojiClientFactory } from './nest/koji-client.factory';
export { KOJI_CLIENT_OPTIONS } from './nest/koji-client-options.token';

export { readRpmHeaderFields, type RpmHeaderFields } from './rpm/rpm-header';
export { RpmHeaderError } from './rpm/rpm-header.error';
export { canonArch, multiFnmatch } from './rpm/arches';
