import { hostname } from 'node:os';
import { z } from 'zod';
import { commonConfigShape, envInt, mapCommonConfig, type CommonConfig } from '@koji-farm/config';
import { identifier } from '@koji-farm/contracts';

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];
const SECOND = 1000;
const HOUR_SECONDS = 3600;

/** Seconds as an env integer; the defaults of the history TTLs are the prior project's (3600 s). */
const seconds = (min = 1) => envInt({ min });

/** Environment keys of the monitor. */
export const monitorConfigSchema = z
  .object({
    ...commonConfigShape,
    /** Address of the REST API, WebSocket, dashboard and /metrics; beyond loopback it needs MONITOR_API_TOKEN. */
    MONITOR_HOST: z.string().min(1).default('127.0.0.1'),
    /** Port of that server; 0 picks a free one. */
    MONITOR_PORT: envInt({ min: 0, max: 65535 }).default(8080),
    /** Required when MONITOR_HOST is not loopback; then every request needs `Authorization: Bearer`. */
    MONITOR_API_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
    /** Names this replica in logs, /status and RabbitMQ's connection list. Defaults to the hostname. */
    MONITOR_REPLICA_ID: identifier.default(hostname()),
    /** How long a finished task stays in the registry after it finished. */
    MONITOR_TASK_HISTORY_TTL: seconds().default(HOUR_SECONDS),
    /** How long a removed container stays in the registry after its removal. */
    MONITOR_CONTAINER_HISTORY_TTL: seconds().default(HOUR_SECONDS),
    /** How long a gone or stopped executor (or poller) stays listed after its last heartbeat. */
    MONITOR_EXECUTOR_HISTORY_TTL: seconds().default(HOUR_SECONDS),
    /** An unfinished task or container with no event for this long is dropped (its executor vanished). */
    MONITOR_STALE_TTL: seconds(60).default(48 * HOUR_SECONDS),
    /** Retention of the `koji.events.log` stream queue (RabbitMQ syntax: 30m, 24h, 7D). */
    MONITOR_EVENTS_LOG_MAX_AGE: z
      .string()
      .regex(/^\d+(s|m|h|D|M|Y)$/, 'expected a RabbitMQ age such as 30m, 24h or 7D')
      .default('24h'),
    /** Size cap of the `koji.events.log` stream queue (fixed once the queue exists). */
    MONITOR_EVENTS_LOG_MAX_BYTES: envInt({ min: 1024 * 1024 }).default(2 * 1024 * 1024 * 1024),
    /** Bytes of one task log kept in Redis; later bytes are dropped and the log is marked truncated. */
    MONITOR_LOG_MAX_BYTES: envInt({ min: 1024 }).default(8 * 1024 * 1024),
    /** Entries kept in the Redis event stream that WebSocket clients resume from (approximate cap). */
    MONITOR_EVENT_STREAM_MAX_LENGTH: envInt({ min: 100 }).default(10_000),
    /** A WebSocket client with more than this many bytes not yet sent is dropped. */
    MONITOR_WS_MAX_BUFFERED_BYTES: envInt({ min: 1024 }).default(1024 * 1024),
    /** Unacknowledged stream messages in flight; folds are batched from these. */
    MONITOR_FOLD_PREFETCH: envInt({ min: 1, max: 20_000 }).default(2000),
    /** How often the monitor checks that Redis still holds its registry (rebuild when lost). */
    MONITOR_REGISTRY_CHECK_INTERVAL_MS: envInt({ min: 50 }).default(2000),
    /** How often expired history is swept out of Redis. */
    MONITOR_SWEEP_INTERVAL_MS: envInt({ min: 50 }).default(5000),
  })
  .superRefine((env, ctx) => {
    if (!LOOPBACK.includes(env.MONITOR_HOST) && !env.MONITOR_API_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['MONITOR_API_TOKEN'],
        message: `required when MONITOR_HOST (${env.MONITOR_HOST}) is not a loopback address`,
      });
    }
  })
  .transform((env) => ({
    ...mapCommonConfig(env),
    http: { host: env.MONITOR_HOST, port: env.MONITOR_PORT, apiToken: env.MONITOR_API_TOKEN },
    replicaId: env.MONITOR_REPLICA_ID,
    history: {
      taskTtlMs: env.MONITOR_TASK_HISTORY_TTL * SECOND,
      containerTtlMs: env.MONITOR_CONTAINER_HISTORY_TTL * SECOND,
      executorTtlMs: env.MONITOR_EXECUTOR_HISTORY_TTL * SECOND,
      staleTtlMs: env.MONITOR_STALE_TTL * SECOND,
    },
    eventsLog: { maxAge: env.MONITOR_EVENTS_LOG_MAX_AGE, maxLengthBytes: env.MONITOR_EVENTS_LOG_MAX_BYTES },
    logMaxBytes: env.MONITOR_LOG_MAX_BYTES,
    eventStreamMaxLength: env.MONITOR_EVENT_STREAM_MAX_LENGTH,
    websocket: { maxBufferedBytes: env.MONITOR_WS_MAX_BUFFERED_BYTES },
    fold: {
      prefetch: env.MONITOR_FOLD_PREFETCH,
      registryCheckIntervalMs: env.MONITOR_REGISTRY_CHECK_INTERVAL_MS,
      sweepIntervalMs: env.MONITOR_SWEEP_INTERVAL_MS,
    },
  }));

export type MonitorConfig = z.output<typeof monitorConfigSchema> & CommonConfig;
export const MONITOR_CONFIG = Symbol('MONITOR_CONFIG');
