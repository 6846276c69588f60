import type { KojiLogger } from '../logging/koji-logger';
import type { TlsFiles } from '../transport/hub-transport';

/**
 * How connection failures are retried (never faults). The first retry goes out at
 * once, later ones `intervalMs` apart, up to `maxRetries` retries after the first try.
 * Defaults are kojid's documented ones (ADR 0021): 120 retries, 60 s apart.
 */
export interface RetryPolicy {
  maxRetries: number;
  intervalMs: number;
  /**
   * Retry calls made without a session too (logins, anonymous calls): koji's
   * `anon_retry`, off by default. A login then fails fast, e.g. on a hub that closes
   * the connection because it refuses the client certificate (TLS 1.3 reports that as
   * a reset), and the caller decides when to try again.
   */
  anonymous: boolean;
}

/** kojid's `offline_retry`: resend a call the hub refused with ServerOffline. Off by default. */
export interface OfflineRetryPolicy {
  enabled: boolean;
  intervalMs: number;
}

export interface KojiClientTimeouts {
  connectMs: number;
  /** Longest wait for the hub to answer a call. */
  requestMs: number;
  /** Longest silence while a reply or a download streams in. */
  bodyMs: number;
  /** Longest wait for a login (koji's `auth_timeout`). */
  loginMs: number;
}

export interface KojiClientOptions {
  /** The hub's XML-RPC URL, e.g. `https://koji.example.org/kojihub`. */
  hubUrl: string;
  /** Where the hub's files are served, e.g. `https://koji.example.org/kojifiles`. */
  topUrl?: string;
  /** PEM files: client certificate and key for `sslLogin`, CA for an https hub. */
  tls?: TlsFiles;
  retry?: Partial<RetryPolicy>;
  offlineRetry?: Partial<OfflineRetryPolicy>;
  timeouts?: Partial<KojiClientTimeouts>;
  /** Replies over this size are refused with HubProtocolError (default 32 MiB, ADR 0023). */
  maxResponseBytes?: number;
  /** Fast-upload chunk size (default 1 MiB, as kojid). */
  uploadChunkBytes?: number;
  logger?: KojiLogger;
  userAgent?: string;
}

export interface ResolvedKojiClientOptions {
  hubUrl: string;
  topUrl?: string;
  tls?: TlsFiles;
  retry: RetryPolicy;
  offlineRetry: OfflineRetryPolicy;
  timeouts: KojiClientTimeouts;
  maxResponseBytes: number;
  uploadChunkBytes: number;
  userAgent: string;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 120, intervalMs: 60_000, anonymous: false };
export const DEFAULT_OFFLINE_RETRY: OfflineRetryPolicy = { enabled: false, intervalMs: 120_000 };
export const DEFAULT_TIMEOUTS: KojiClientTimeouts = {
  connectMs: 30_000,
  requestMs: 15 * 60_000,
  bodyMs: 5 * 60_000,
  loginMs: 60_000,
};
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_UPLOAD_CHUNK_BYTES = 1024 * 1024;
export const DEFAULT_USER_AGENT = 'koji-farm (koji/1)';

/** Fills in defaults and checks the values; a bad value fails here, not mid-call. */
export function resolveKojiClientOptions(options: KojiClientOptions): ResolvedKojiClientOptions {
  const hubUrl = checkHttpUrl(options.hubUrl, 'hubUrl');
  const topUrl = options.topUrl === undefined ? undefined : checkHttpUrl(options.topUrl, 'topUrl');
  const resolved: ResolvedKojiClientOptions = {
    hubUrl,
    topUrl,
    tls: options.tls,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    offlineRetry: { ...DEFAULT_OFFLINE_RETRY, ...options.offlineRetry },
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    uploadChunkBytes: options.uploadChunkBytes ?? DEFAULT_UPLOAD_CHUNK_BYTES,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
  };
  const counts: Array<[string, number]> = [
    ['retry.maxRetries', resolved.retry.maxRetries],
    ['retry.intervalMs', resolved.retry.intervalMs],
    ['offlineRetry.intervalMs', resolved.offlineRetry.intervalMs],
  ];
  for (const [name, value] of counts) {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`${name} must be an integer >= 0, got ${value}`);
  }
  const positives: Array<[string, number]> = [
    ['maxResponseBytes', resolved.maxResponseBytes],
    ['uploadChunkBytes', resolved.uploadChunkBytes],
    ...(Object.entries(resolved.timeouts) as Array<[string, number]>).map(([k, v]): [string, number] => [
      `timeouts.${k}`,
      v,
    ]),
  ];
  for (const [name, value] of positives) {
    if (!Number.isInteger(value) || value <= 0)
      throw new RangeError(`${name} must be an integer > 0, got ${value}`);
  }
  return resolved;
}

function checkHttpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`${name} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`${name} must be http or https, got ${url.protocol}`);
  }
  if (url.username || url.password) throw new RangeError(`${name} must not carry credentials`);
  return value.replace(/\/+$/, '');
}
