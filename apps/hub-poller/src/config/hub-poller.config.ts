import { hostname } from 'node:os';
import { z } from 'zod';
import {
  commonConfigShape,
  envInt,
  envNumber,
  envUrl,
  mapCommonConfig,
  type CommonConfig,
} from '@koji-farm/config';
import { HEARTBEAT_INTERVAL_MS, HEARTBEATS_BEFORE_GONE, identifier } from '@koji-farm/contracts';
import { hubAuthConfigShape, mapHubAuth, refineHubAuth, type HubAuthConfig } from './hub-auth.config';

const seconds = (value: number) => Math.round(value * 1000);

/** Environment keys of the hub-poller. Durations are in seconds, like kojid.conf. */
export const hubPollerConfigSchema = z
  .object({
    ...commonConfigShape,
    ...hubAuthConfigShape,
    /** Unique per poller replica (leader election). Defaults to the hostname. */
    POLLER_ID: identifier.default(hostname()),
    /** The hub's XML-RPC URL, e.g. `https://koji.example.com/kojihub`. */
    KOJI_HUB_URL: envUrl(['http', 'https']),
    /** Where the hub serves its files (work/, repos/, packages/); sent to executors in each task message. */
    KOJI_TOPURL: envUrl(['http', 'https']),
    /** Seconds between host loops (kojid's sleeptime: 15). */
    POLL_INTERVAL: envNumber({ min: 0.1 }).default(2),
    /** Resends of a hub call whose connection failed (same callnum), then the loop gives up on it. */
    HUB_RETRIES: envInt({ min: 0 }).default(120),
    /** Seconds between those resends (the first goes out at once). */
    HUB_RETRY_INTERVAL: envNumber({ min: 0.05 }).default(5),
    /** Longest wait in seconds for the hub to answer one call. */
    HUB_TIMEOUT: envNumber({ min: 1 }).default(60),
    /** Seconds the leader lease lives without renewal; a standby takes over after it (ADR 0051). */
    LEASE_TTL: envNumber({ min: 0.5 }).default(10),
    /** Seconds of executor silence after which its slots no longer count (3 heartbeats). */
    EXECUTOR_GONE_AFTER: envNumber({ min: 0.1 }).default(
      (HEARTBEAT_INTERVAL_MS * HEARTBEATS_BEFORE_GONE) / 1000,
    ),
    /**
     * Seconds a new leader waits for the executor running a task to take the fresh
     * subsession it handed over; unanswered, the task is reissued (ADR 0082).
     */
    HANDOVER_REPLY_TIMEOUT: envNumber({ min: 0.1 }).default(5),
    /** Health and metrics HTTP server (`/healthz`, `/readyz`, `/metrics`). */
    POLLER_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    /** Port of that server; 0 picks a free one. */
    POLLER_HTTP_PORT: envInt({ min: 0, max: 65535 }).default(8081),
  })
  // Runs even when other keys failed, so one boot error names every missing key.
  .superRefine(refineHubAuth, { when: () => true })
  .transform((env) => ({
    ...mapCommonConfig(env),
    pollerId: env.POLLER_ID,
    hub: {
      url: env.KOJI_HUB_URL,
      topurl: env.KOJI_TOPURL,
      auth: mapHubAuth(env),
      retries: env.HUB_RETRIES,
      retryIntervalMs: seconds(env.HUB_RETRY_INTERVAL),
      timeoutMs: seconds(env.HUB_TIMEOUT),
    },
    pollIntervalMs: seconds(env.POLL_INTERVAL),
    leaseTtlMs: seconds(env.LEASE_TTL),
    executorGoneAfterMs: seconds(env.EXECUTOR_GONE_AFTER),
    handoverReplyTimeoutMs: seconds(env.HANDOVER_REPLY_TIMEOUT),
    http: { host: env.POLLER_HTTP_HOST, port: env.POLLER_HTTP_PORT },
  }));

export type HubPollerConfig = z.output<typeof hubPollerConfigSchema> & CommonConfig;
export type { HubAuthConfig };
export const HUB_POLLER_CONFIG = Symbol('HUB_POLLER_CONFIG');
