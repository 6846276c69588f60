import { ConfigValidationError, loadConfig } from '@koji-farm/config';
import { hubPollerConfigSchema } from './hub-poller.config';

const base = { KOJI_HUB_URL: 'https://koji.example/kojihub', KOJI_TOPURL: 'https://koji.example/kojifiles' };

describe('hubPollerConfigSchema', () => {
  it('maps durations in seconds to milliseconds and defaults to kojid-like retries', () => {
    const sut = loadConfig('hub-poller', hubPollerConfigSchema, {
      ...base,
      KOJI_USER: 'farm',
      KOJI_PASSWORD: 'pw',
      POLL_INTERVAL: '0.5',
      LEASE_TTL: '3',
    });
    expect(sut).toMatchObject({
      pollIntervalMs: 500,
      leaseTtlMs: 3000,
      executorGoneAfterMs: 15_000,
      hub: {
        auth: { kind: 'password', user: 'farm', password: 'pw' },
        retries: 120,
        retryIntervalMs: 5000,
        timeoutMs: 60_000,
      },
      http: { host: '127.0.0.1', port: 8081 },
    });
  });

  it('takes a TLS client certificate, the key in the same file unless given', () => {
    const sut = loadConfig('hub-poller', hubPollerConfigSchema, {
      ...base,
      KOJI_AUTH: 'ssl',
      KOJI_CERT: '/etc/kojid/client.pem',
      KOJI_SERVERCA: '/etc/kojid/ca.pem',
    });
    expect(sut.hub.auth).toEqual({
      kind: 'ssl',
      certFile: '/etc/kojid/client.pem',
      keyFile: '/etc/kojid/client.pem',
      caFile: '/etc/kojid/ca.pem',
    });
  });

  it('names every key a login kind misses, with the other bad keys, and never a value', () => {
    const attempt = () =>
      loadConfig('hub-poller', hubPollerConfigSchema, {
        KOJI_PASSWORD: 'hunter2-secret',
        POLL_INTERVAL: '0',
      });
    expect(attempt).toThrow(ConfigValidationError);
    try {
      attempt();
    } catch (err) {
      const issues = (err as ConfigValidationError).issues.map((i) => i.key).sort();
      expect(issues).toEqual(['KOJI_HUB_URL', 'KOJI_TOPURL', 'KOJI_USER', 'POLL_INTERVAL']);
      expect((err as Error).message).not.toContain('hunter2-secret');
    }
    expect(() => loadConfig('hub-poller', hubPollerConfigSchema, { ...base, KOJI_AUTH: 'ssl' })).toThrow(
      'KOJI_CERT: required when KOJI_AUTH=ssl',
    );
  });
});
