import { parseArgs } from 'node:util';
import { z } from 'zod';
import { envInt, envUrl, loadConfig, type ConfigSource } from '@koji-farm/config';
import { hubAuthConfigShape } from '../../apps/hub-poller/src/config/hub-auth.config';

/** The login keys the demo hands to the hub-poller when it runs against a real hub. */
export const HUB_AUTH_KEYS = Object.keys(hubAuthConfigShape) as Array<keyof typeof hubAuthConfigShape>;

/**
 * The demo's environment. Without KOJI_HUB_URL it runs the bundled hub simulator;
 * with it (and KOJI_TOPURL and the host's login, as the hub-poller reads them) it runs
 * the same farm against that hub and submits nothing.
 */
export const demoEnvironmentSchema = z
  .object({
    ...hubAuthConfigShape,
    KOJI_HUB_URL: envUrl(['http', 'https']).optional(),
    KOJI_TOPURL: envUrl(['http', 'https']).optional(),
    AMQP_URL: envUrl(['amqp', 'amqps']).default('amqp://guest:guest@127.0.0.1:5672'),
    REDIS_URL: envUrl(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
    PODMAN_SOCKET: z
      .string()
      .startsWith('/', 'expected an absolute socket path')
      .default('/run/podman/podman.sock'),
  })
  .superRefine((env, ctx) => {
    if (env.KOJI_HUB_URL && !env.KOJI_TOPURL)
      ctx.addIssue({ code: 'custom', path: ['KOJI_TOPURL'], message: 'required with KOJI_HUB_URL' });
    if (env.KOJI_HUB_URL && env.KOJI_AUTH === 'password' && (!env.KOJI_USER || !env.KOJI_PASSWORD))
      ctx.addIssue({
        code: 'custom',
        path: ['KOJI_USER'],
        message:
          "the build host's KOJI_USER and KOJI_PASSWORD are required with KOJI_HUB_URL (or KOJI_AUTH=ssl|gssapi)",
      });
  });

const flagNumber = envInt({ min: 1, max: 16 });

/** A namespace is part of queue names, Redis keys, executor ids and a directory name. */
const NAMESPACE_PATTERN = /^[A-Za-z][A-Za-z0-9._-]*$/;

export interface DemoOptions {
  /** Exit once the sample build is done (0) or failed (non-zero) instead of running until Ctrl-C. */
  once: boolean;
  executors: number;
  slots: number;
  /** The monitor's (dashboard's) port; another one when it is taken. */
  port: number;
  /**
   * AMQP namespace and Redis prefix chosen by the user: the demo refuses to start when a
   * farm runs there. Without it: `demo`, or the first of `demo-2`, `demo-3`, ... no farm runs in.
   */
  namespace?: string;
  help: boolean;
  env: z.output<typeof demoEnvironmentSchema>;
}

export const DEMO_USAGE = `npm run demo [-- --once] [--executors N] [--slots N] [--port N] [--namespace NS]

Starts a whole koji-farm on this machine: the bundled Koji hub simulator (seeded with a
build tag, a target and sample packages), a hub-poller, executors and the monitor, each
its own process, then builds the sample package and shows the progress live.

  --once           exit when the sample build is done: 0 when it is COMPLETE and tagged
  --executors N    executor processes (default 2)
  --slots N        container slots per executor (default 2)
  --port N         dashboard port (default 8080; a free one when taken)
  --namespace NS   AMQP namespace and Redis key prefix of the farm (default demo, or
                   demo-2, demo-3, ... when a farm runs there); refused when a farm runs in NS

Against a real hub: set KOJI_HUB_URL, KOJI_TOPURL and the build host's login
(KOJI_USER/KOJI_PASSWORD, or KOJI_AUTH=ssl with KOJI_CERT, or KOJI_AUTH=gssapi);
the demo then runs the farm for that hub and submits nothing.`;

export function parseDemoOptions(argv: readonly string[], env: ConfigSource): DemoOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      once: { type: 'boolean', default: false },
      executors: { type: 'string', default: '2' },
      slots: { type: 'string', default: '2' },
      port: { type: 'string', default: '8080' },
      namespace: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const numbers = loadConfig(
    'demo',
    z.object({
      executors: flagNumber,
      slots: flagNumber,
      port: envInt({ min: 0, max: 65535 }),
      namespace: z
        .string()
        .regex(NAMESPACE_PATTERN, 'letters, digits, dots, dashes and underscores, starting with a letter')
        .max(40)
        .optional(),
    }),
    { executors: values.executors, slots: values.slots, port: values.port, namespace: values.namespace },
  );
  return {
    once: values.once,
    help: values.help,
    ...numbers,
    env: loadConfig('demo', demoEnvironmentSchema, env),
  };
}
