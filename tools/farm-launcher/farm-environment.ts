import { join } from 'node:path';
import { type FarmSpec, FARM_DEFAULTS, redisKeyPrefix } from './farm-spec';

/** What is known once the hub answers and ports are chosen. */
export interface ResolvedHub {
  url: string;
  topurl: string;
  /** The poller's login keys. */
  auth: Readonly<Record<string, string>>;
}

/** The namespace label the executor puts on its containers (apps/executor container-labels.ts). */
export const NAMESPACE_LABEL = 'io.koji-farm.namespace';

/** The keys every app of the farm shares: one namespace, one key prefix, one broker, one Redis. */
export function commonEnvironment(spec: FarmSpec): Record<string, string> {
  return {
    AMQP_URL: spec.amqpUrl,
    AMQP_NAMESPACE: spec.namespace,
    REDIS_URL: spec.redisUrl,
    REDIS_KEY_PREFIX: redisKeyPrefix(spec.namespace),
    LOG_LEVEL: spec.logLevel ?? 'info',
    ...spec.env?.common,
  };
}

export function pollerEnvironment(
  spec: FarmSpec,
  hub: ResolvedHub,
  pollerId: string,
  httpPort: number,
): Record<string, string> {
  return {
    ...commonEnvironment(spec),
    POLLER_ID: pollerId,
    KOJI_HUB_URL: hub.url,
    KOJI_TOPURL: hub.topurl,
    ...hub.auth,
    // The simulator answers at once; a second between passes shows the farm's pick-up
    // speed without flooding the logs.
    POLL_INTERVAL: '1',
    POLLER_HTTP_HOST: '127.0.0.1',
    POLLER_HTTP_PORT: String(httpPort),
    ...spec.env?.poller,
  };
}

export function executorEnvironment(spec: FarmSpec, executorId: string): Record<string, string> {
  const labels = Object.entries(spec.containerLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  return {
    ...commonEnvironment(spec),
    EXECUTOR_ID: executorId,
    ARCHES: spec.executors.arches.join(','),
    SLOTS: String(spec.executors.slots),
    PODMAN_SOCKET: spec.podmanSocket,
    // The group install fetches from the hub; with the simulator on loopback only the
    // host's network reaches it.
    FETCH_NETWORK: 'host',
    WORK_DIR: join(spec.runDir, 'work', executorId),
    ...(labels.length > 0 ? { CONTAINER_LABELS: labels.join(',') } : {}),
    SHUTDOWN_GRACE_SECONDS: String(spec.shutdownGraceSeconds ?? 10),
    // The poller counts an executor's slots from its heartbeats: one that started just
    // before the poller subscribed is seen at its next beat, so beat more often than 5 s.
    HEARTBEAT_INTERVAL_MS: '2000',
    ...spec.env?.executor,
  };
}

export function monitorEnvironment(spec: FarmSpec, port: number, replicaId: string): Record<string, string> {
  return {
    ...commonEnvironment(spec),
    MONITOR_HOST: '127.0.0.1',
    MONITOR_PORT: String(port),
    MONITOR_REPLICA_ID: replicaId,
    // A farm of the launcher lives for a session: a small stream queue is plenty.
    MONITOR_EVENTS_LOG_MAX_AGE: '6h',
    MONITOR_EVENTS_LOG_MAX_BYTES: String(256 * 1024 * 1024),
    ...spec.env?.monitor,
  };
}

/** The host's login on the seeded simulator. */
export function seededHostAuth(): Record<string, string> {
  return {
    KOJI_AUTH: 'password',
    KOJI_USER: FARM_DEFAULTS.seededHost.user,
    KOJI_PASSWORD: FARM_DEFAULTS.seededHost.password,
  };
}
