import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

export interface RedisModuleOptions {
  url: string;
  /** Every key of this farm starts with it (ioredis `keyPrefix`): `kf:` by default. */
  keyPrefix: string;
  /** Shown in `CLIENT LIST`. */
  connectionName: string;
}

export const REDIS_KEY_PREFIX = Symbol('REDIS_KEY_PREFIX');

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(Redis) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Provides the app's ioredis client, connected before the app starts (a wrong URL stops
 * the boot), with the farm's key prefix applied to every command.
 */
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        {
          provide: Redis,
          useFactory: async () => {
            const redis = createRedisClient(options);
            await redis.connect();
            return redis;
          },
        },
        { provide: REDIS_KEY_PREFIX, useValue: options.keyPrefix },
        RedisCloser,
      ],
      exports: [Redis, REDIS_KEY_PREFIX],
    };
  }
}

/** A client that connects on `connect()` and retries a lost connection with a capped backoff. */
export function createRedisClient(options: RedisModuleOptions): Redis {
  return new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    connectionName: options.connectionName.replace(/\s+/g, '-'),
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
