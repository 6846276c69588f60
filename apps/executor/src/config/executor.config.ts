import { hostname } from 'node:os';
import { z } from 'zod';
import { commonConfigShape, envInt, envList, mapCommonConfig, type CommonConfig } from '@koji-farm/config';
import { arch, identifier } from '@koji-farm/contracts';

/** Environment keys of the executor; names follow the prior project's where one existed. */
export const executorConfigSchema = z
  .object({
    ...commonConfigShape,
    /** Unique per replica; labels its containers and heartbeats. Defaults to the hostname. */
    EXECUTOR_ID: identifier.default(hostname()),
    /** Arches whose task queues this executor consumes. */
    ARCHES: envList(arch).default(['x86_64', 'noarch']),
    /** Container slots: prefetch of the arch queues. */
    SLOTS: envInt({ min: 1, max: 64 }).default(2),
    PODMAN_SOCKET: z.string().startsWith('/', 'expected an absolute socket path').default('/run/podman/podman.sock'),
  })
  .transform((env) => ({
    ...mapCommonConfig(env),
    executorId: env.EXECUTOR_ID,
    arches: env.ARCHES,
    slots: env.SLOTS,
    podmanSocket: env.PODMAN_SOCKET,
  }));

export type ExecutorConfig = z.output<typeof executorConfigSchema> & CommonConfig;
export const EXECUTOR_CONFIG = Symbol('EXECUTOR_CONFIG');
