/** The bundled hub simulator, started as a process of the farm. */
export interface SimulatorHubSpec {
  kind: 'simulator';
  /** Seed the fixtures (tags, target, groups, sample packages, a READY repo, users). */
  seed: boolean;
  /** The scheduler's RunInterval (the real hub's default is 60 s). */
  runIntervalMs?: number;
  /** 0: a free port. */
  port?: number;
  /** Where test/fixtures/build-fixtures.sh caches its output (default <repo>/.tmp/fixtures). */
  fixturesDir?: string;
}

/** A hub somewhere else; the poller logs in with the host's credentials. */
export interface ExternalHubSpec {
  kind: 'external';
  url: string;
  topurl: string;
  /** The poller's login keys: KOJI_AUTH, KOJI_USER, KOJI_PASSWORD, KOJI_CERT, ... */
  auth: Readonly<Record<string, string>>;
}

export type HubSpec = SimulatorHubSpec | ExternalHubSpec;

/**
 * What to run. Every app of one farm gets the same AMQP namespace and Redis key prefix,
 * so several farms (tests running at once) share RabbitMQ, Redis and Podman safely.
 */
export interface FarmSpec {
  /** Logs (`logs/<process>.log`), the simulator's KojiDir (`hub/`), executors' work dirs. */
  runDir: string;
  /** AMQP_NAMESPACE of every app; the Redis key prefix is `<namespace>:`. */
  namespace: string;
  hub: HubSpec;
  executors: {
    count: number;
    slots: number;
    arches: readonly string[];
    /** Executor ids are `<idPrefix>-1`, `<idPrefix>-2`, ... */
    idPrefix: string;
  };
  /** Number of hub-pollers; one leads, the others stand by (HA). */
  pollers?: number;
  /** 0: a free port. */
  monitorPort: number;
  amqpUrl: string;
  redisUrl: string;
  podmanSocket: string;
  /** Extra labels on every task container (keys under `io.koji-farm.`), e.g. the tests' labels. */
  containerLabels?: Readonly<Record<string, string>>;
  logLevel?: string;
  /** Seconds a stopping executor lets running tasks go on before requeueing them. */
  shutdownGraceSeconds?: number;
  /** More keys per app, after the launcher's own (they win). */
  env?: {
    common?: Readonly<Record<string, string>>;
    poller?: Readonly<Record<string, string>>;
    executor?: Readonly<Record<string, string>>;
    monitor?: Readonly<Record<string, string>>;
  };
}

export const FARM_DEFAULTS = {
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
  redisUrl: 'redis://127.0.0.1:6379',
  podmanSocket: '/run/podman/podman.sock',
  arches: ['x86_64', 'noarch'],
  /** The simulator's seed makes this build host (test/koji-hub-sim/seed/seed-hub.ts). */
  seededHost: { user: 'kf-builder', password: 'kf-builder' },
  /** ... and this admin, who may submit any task. */
  seededAdmin: { user: 'kojiadmin', password: 'kojiadmin' },
} as const;

export function redisKeyPrefix(namespace: string): string {
  return `${namespace}:`;
}

export function executorIds(spec: Pick<FarmSpec, 'executors'>): string[] {
  return Array.from({ length: spec.executors.count }, (_, i) => `${spec.executors.idPrefix}-${i + 1}`);
}
