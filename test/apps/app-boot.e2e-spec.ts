import { EXIT_CONFIG_ERROR } from '@koji-farm/runtime';
import { testNamespace } from '../support/amqp';
import { type AppName, SpawnedApp } from '../support/spawn-app';

/**
 * Each app, as a real process: a bad configuration stops it at boot naming every bad key,
 * and a good one runs until SIGTERM, then shuts down cleanly with exit status 0.
 */
describe('app boot and shutdown', () => {
  const apps: SpawnedApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
  });

  function start(app: AppName, env: Record<string, string>): SpawnedApp {
    const spawned = new SpawnedApp(app, env);
    apps.push(spawned);
    return spawned;
  }

  const badConfigs: Array<[AppName, Record<string, string>, string[]]> = [
    ['executor', { SLOTS: 'many', AMQP_URL: 'http://127.0.0.1' }, ['SLOTS', 'AMQP_URL']],
    ['hub-poller', { POLL_INTERVAL: '-1' }, ['POLL_INTERVAL', 'KOJI_HUB_URL', 'KOJI_TOPURL']],
    ['monitor', { MONITOR_HOST: '0.0.0.0', MONITOR_PORT: '99999' }, ['MONITOR_PORT', 'MONITOR_API_TOKEN']],
  ];

  it.each(badConfigs)('%s refuses a bad configuration and names every bad key', async (app, env, keys) => {
    const sut = start(app, env);
    const { code } = await sut.exited;
    expect(code).toBe(EXIT_CONFIG_ERROR);
    const fatal = sut.lines.find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(/^Invalid configuration/);
    for (const key of keys) expect(fatal?.msg).toContain(`${key}:`);
  });

  it('does not echo a secret value in a configuration error', async () => {
    const sut = start('monitor', { MONITOR_API_TOKEN: 'short-secret', MONITOR_HOST: '0.0.0.0' });
    expect((await sut.exited).code).toBe(EXIT_CONFIG_ERROR);
    expect(sut.raw.join('\n')).toContain('MONITOR_API_TOKEN');
    expect(sut.raw.join('\n')).not.toContain('short-secret');
  });

  // The hub-poller's clean shutdown needs a hub: test/hub-poller covers it.
  it.each<[AppName, Record<string, string>]>([
    ['executor', { EXECUTOR_ID: 'boot-test' }],
    ['monitor', { MONITOR_PORT: '0' }],
  ])('%s runs until SIGTERM and then shuts down cleanly', async (app, env) => {
    const namespace = testNamespace('boot');
    const sut = start(app, { AMQP_NAMESPACE: namespace, REDIS_KEY_PREFIX: `${namespace}:`, ...env });
    await sut.waitForMessage(`${app} started`);
    const { code, signal } = await sut.stop();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const messages = sut.lines.map((l) => l.msg);
    expect(messages).toContain('SIGTERM received: shutting down');
    expect(messages[messages.length - 1]).toBe('shutdown complete');
  });

  it('exits cleanly when SIGTERM arrives while it is still starting', async () => {
    const namespace = testNamespace('boot');
    const sut = start('executor', {
      EXECUTOR_ID: 'boot-early-term',
      AMQP_NAMESPACE: namespace,
      REDIS_KEY_PREFIX: `${namespace}:`,
    });
    // The first log line is written before Nest has finished booting the app.
    await sut.waitForLog(() => true);
    sut.kill('SIGTERM');
    const { code, signal } = await sut.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(sut.lines.map((l) => l.msg).some((m) => /SIGTERM received/.test(m))).toBe(true);
  });
});
