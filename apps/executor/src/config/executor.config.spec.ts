import { ConfigValidationError, loadConfig } from '@koji-farm/config';
import { executorConfigSchema } from './executor.config';

const load = (env: Record<string, string>) => loadConfig('executor', executorConfigSchema, env);

describe('executorConfigSchema', () => {
  it('has working defaults', () => {
    const sut = load({ EXECUTOR_ID: 'exec-1' });
    expect(sut).toMatchObject({
      executorId: 'exec-1',
      slots: 2,
      deliveryLimit: 5,
      image: {
        defaultImage: 'localhost/koji-farm-buildroot:bookworm',
        byTag: {},
        hubPolicy: true,
        extraKey: 'koji-farm.image',
      },
      containers: { labels: {}, fetchNetwork: 'host', buildNetwork: 'none', keepFailed: false },
      timeouts: { stepMs: 3_600_000, buildMs: 86_400_000, taskMs: 90_000_000, shutdownGraceMs: 30_000 },
      reaper: { intervalMs: 60_000, executorGoneAfterMs: 15_000 },
      heartbeatIntervalMs: 5000,
      buildHost: { vendor: 'Koji', packager: 'Koji', distribution: 'Koji' },
    });
  });

  it('reads label and image maps', () => {
    const sut = load({
      CONTAINER_LABELS: 'io.koji-farm.test=true, io.koji-farm.site=lab',
      TASK_IMAGE_BY_TAG: 'f40-build=localhost/f40:1,el9-build=registry.example.com/el9:2',
      KEEP_FAILED_CONTAINERS: 'true',
      CONTAINER_MEMORY_MB: '2048',
    });
    expect(sut.containers.labels).toEqual({ 'io.koji-farm.test': 'true', 'io.koji-farm.site': 'lab' });
    expect(sut.image.byTag).toEqual({
      'f40-build': 'localhost/f40:1',
      'el9-build': 'registry.example.com/el9:2',
    });
    expect(sut.containers.keepFailed).toBe(true);
    expect(sut.containers.memoryBytes).toBe(2048 * 1024 * 1024);
  });

  it('names every bad key at once', () => {
    let error: unknown;
    try {
      load({
        CONTAINER_LABELS: 'other.label=x',
        TASK_IMAGE_BY_TAG: 'no-equals-sign',
        BUILD_NETWORK: 'bridge',
        HEARTBEAT_INTERVAL_MS: '20000',
        EXECUTOR_GONE_AFTER_SECONDS: '5',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const keys = (error as ConfigValidationError).issues.map((i) => i.key.split('.')[0]);
    expect(keys).toEqual(expect.arrayContaining(['CONTAINER_LABELS', 'TASK_IMAGE_BY_TAG', 'BUILD_NETWORK']));
  });

  it('refuses heartbeats slower than the time after which an executor counts as gone', () => {
    expect(() => load({ HEARTBEAT_INTERVAL_MS: '20000', EXECUTOR_GONE_AFTER_SECONDS: '5' })).toThrow(
      /EXECUTOR_GONE_AFTER_SECONDS/,
    );
  });
});
