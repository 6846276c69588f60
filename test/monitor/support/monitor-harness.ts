import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { type AmqpTopology, amqpTopology } from '@koji-farm/contracts';
import { connectAmqpTransport } from '@koji-farm/messaging';
import { type MonitorConfig, monitorConfigSchema } from '../../../apps/monitor/src/config/monitor.config';
import { MonitorModule } from '../../../apps/monitor/src/monitor.module';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** A Redis key prefix no other test uses. */
export function testKeyPrefix(label = 'test-monitor'): string {
  return `${label}-${randomUUID().slice(0, 8)}:`;
}

export interface MonitorOptions {
  namespace: string;
  keyPrefix: string;
  replicaId?: string;
  apiToken?: string;
  /** Other MONITOR_* keys, as environment strings. */
  env?: Record<string, string>;
}

/** A monitor running in this process on a free port. */
export interface RunningMonitor {
  app: NestExpressApplication;
  config: MonitorConfig;
  names: AmqpTopology;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

export function monitorConfig(options: MonitorOptions): MonitorConfig {
  return monitorConfigSchema.parse({
    AMQP_NAMESPACE: options.namespace,
    REDIS_KEY_PREFIX: options.keyPrefix,
    MONITOR_PORT: '0',
    MONITOR_REPLICA_ID: options.replicaId ?? `test-${randomUUID().slice(0, 6)}`,
    LOG_LEVEL: 'error',
    MONITOR_REGISTRY_CHECK_INTERVAL_MS: '200',
    MONITOR_SWEEP_INTERVAL_MS: '500',
    MONITOR_EVENTS_LOG_MAX_AGE: '1h',
    MONITOR_EVENTS_LOG_MAX_BYTES: String(200 * 1024 * 1024),
    ...(options.apiToken ? { MONITOR_API_TOKEN: options.apiToken } : {}),
    ...options.env,
  });
}

export async function startMonitor(options: MonitorOptions): Promise<RunningMonitor> {
  const config = monitorConfig(options);
  const app = await NestFactory.create<NestExpressApplication>(MonitorModule.forRoot(config), {
    logger: false,
  });
  connectAmqpTransport(app);
  await app.listen(0, '127.0.0.1');
  await app.startAllMicroservices();
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let closed = false;
  return {
    app,
    config,
    names: amqpTopology(options.namespace),
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/**
 * Deletes every key under a test's prefix at once, as a Redis flush would (ioredis does
 * not prefix SCAN patterns): the keys are collected first and unlinked in one transaction.
 */
export async function deleteKeys(prefix: string): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of found) keys.add(key);
    } while (cursor !== '0');
    if (keys.size === 0) return 0;
    const all = [...keys];
    const transaction = redis.multi();
    for (let i = 0; i < all.length; i += 10_000) transaction.unlink(...all.slice(i, i + 10_000));
    await transaction.exec();
    return all.length;
  } finally {
    redis.disconnect();
  }
}

/** Every key matching a (full, prefixed) pattern. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}
