import { ConfigValidationError, loadConfig } from '@koji-farm/config';
import { monitorConfigSchema } from './monitor.config';

describe('monitorConfigSchema', () => {
  it('binds 127.0.0.1:8080 with the prior project history TTLs by default', () => {
    const sut = loadConfig('monitor', monitorConfigSchema, {});
    expect(sut.http).toEqual({ host: '127.0.0.1', port: 8080, apiToken: undefined });
    expect(sut.history).toMatchObject({ taskTtlMs: 3_600_000, containerTtlMs: 3_600_000 });
  });

  it('refuses a non-loopback address without a token, and names the key', () => {
    expect(() => loadConfig('monitor', monitorConfigSchema, { MONITOR_HOST: '0.0.0.0' })).toThrow(
      ConfigValidationError,
    );
    expect(() => loadConfig('monitor', monitorConfigSchema, { MONITOR_HOST: '0.0.0.0' })).toThrow(
      /MONITOR_API_TOKEN: required/,
    );
    const sut = loadConfig('monitor', monitorConfigSchema, {
      MONITOR_HOST: '0.0.0.0',
      MONITOR_API_TOKEN: 'x'.repeat(16),
    });
    expect(sut.http.apiToken).toHaveLength(16);
  });

  it('refuses a short token, a bad retention age and a zero TTL', () => {
    for (const env of [
      { MONITOR_API_TOKEN: 'short' },
      { MONITOR_EVENTS_LOG_MAX_AGE: '1 hour' },
      { MONITOR_TASK_HISTORY_TTL: '0' },
    ]) {
      expect(() => loadConfig('monitor', monitorConfigSchema, env)).toThrow(ConfigValidationError);
    }
  });
});
