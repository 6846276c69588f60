import { z } from 'zod';
import { commonConfigShape, envInt, mapCommonConfig, type CommonConfig } from '@koji-farm/config';

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

/** Environment keys of the monitor. */
export const monitorConfigSchema = z
  .object({
    ...commonConfigShape,
    MONITOR_HOST: z.string().min(1).default('127.0.0.1'),
    MONITOR_PORT: envInt({ min: 0, max: 65535 }).default(8080),
    /** Required when MONITOR_HOST is not loopback; then every request needs `Authorization: Bearer`. */
    MONITOR_API_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
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
  }));

export type MonitorConfig = z.output<typeof monitorConfigSchema> & CommonConfig;
export const MONITOR_CONFIG = Symbol('MONITOR_CONFIG');
