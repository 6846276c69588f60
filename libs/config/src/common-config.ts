import { z } from 'zod';
import { envBoolean, envUrl, logLevel } from './env-types';

/**
 * Keys every koji-farm app reads. Apps spread `commonConfigShape` into their own schema
 * and map it with `mapCommonConfig`.
 */
export const commonConfigShape = {
  /** Log level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: logLevel.default('info'),
  /** Human-readable logs (pino-pretty); JSON lines otherwise. */
  LOG_PRETTY: envBoolean().default(false),
  /** RabbitMQ (3.10+: quorum and stream queues); its password is never logged. */
  AMQP_URL: envUrl(['amqp', 'amqps']).default('amqp://guest:guest@127.0.0.1:5672'),
  /** Prefix for every exchange and queue name; empty in production, unique per test. */
  AMQP_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"')
    .default(''),
  /** Redis 7: the poller's lease and in-flight set, the monitor's registry. */
  REDIS_URL: envUrl(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  /** Prefix for every Redis key of this farm. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._:-]+$/, 'expected letters, digits, ".", "_", ":" or "-"')
    .default('kf:'),
};

type CommonEnv = { [K in keyof typeof commonConfigShape]: z.output<(typeof commonConfigShape)[K]> };

export interface CommonConfig {
  log: { level: z.output<typeof logLevel>; pretty: boolean };
  amqp: { url: string; namespace: string };
  redis: { url: string; keyPrefix: string };
}

export function mapCommonConfig(env: CommonEnv): CommonConfig {
  return {
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY },
    amqp: { url: env.AMQP_URL, namespace: env.AMQP_NAMESPACE },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
  };
}
