import { hostname } from 'node:os';
import { z } from 'zod';
import { commonConfigShape, envNumber, envUrl, mapCommonConfig, type CommonConfig } from '@koji-farm/config';
import { identifier } from '@koji-farm/contracts';

/** Environment keys of the hub-poller. */
export const hubPollerConfigSchema = z
  .object({
    ...commonConfigShape,
    /** Unique per poller replica (leader election). Defaults to the hostname. */
    POLLER_ID: identifier.default(hostname()),
    KOJI_HUB_URL: envUrl(['http', 'https']),
    KOJI_TOPURL: envUrl(['http', 'https']),
    /** Seconds between host loops (kojid: 15). */
    POLL_INTERVAL: envNumber({ min: 0.1 }).default(2),
  })
  .transform((env) => ({
    ...mapCommonConfig(env),
    pollerId: env.POLLER_ID,
    hub: { url: env.KOJI_HUB_URL, topurl: env.KOJI_TOPURL },
    pollIntervalMs: Math.round(env.POLL_INTERVAL * 1000),
  }));

export type HubPollerConfig = z.output<typeof hubPollerConfigSchema> & CommonConfig;
export const HUB_POLLER_CONFIG = Symbol('HUB_POLLER_CONFIG');
