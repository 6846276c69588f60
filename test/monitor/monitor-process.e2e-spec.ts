import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type AmqpConnection } from '@koji-farm/messaging';
import { MonitorModule } from '../../apps/monitor/src/monitor.module';
import { amqpTopology, connectForTest, deleteTopology, testNamespace } from '../support/amqp';
import { publishEvents } from './support/event-publisher';
import { generateScenario } from './support/farm-scenario';
import { deleteKeys, testKeyPrefix } from './support/monitor-harness';
import { waitForSentinel } from './support/rest-client';
import { waitFor } from './support/waits';

const ROOT = join(__dirname, '../..');
const TOKEN = 'process-token-0123456789';

interface MonitorProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs apps/monitor/src/main.ts as the real process would run (config from its environment). */
function runMonitor(env: Record<string, string>): MonitorProcess {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register', 'apps/monitor/src/main.ts'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe(`${MonitorModule.name} as a process`, () => {
  let amqp: AmqpConnection;
  let cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    amqp = await connectForTest('test-monitor-process');
  });

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups = [];
  });

  afterAll(async () => {
    await amqp.close();
  });

  function farm() {
    const namespace = testNamespace('proc');
    const keyPrefix = testKeyPrefix('proc');
    const names = amqpTopology(namespace);
    cleanups.push(
      () => deleteTopology(amqp, names),
      () => deleteKeys(keyPrefix),
    );
    return { namespace, keyPrefix, names };
  }

  function started(env: Record<string, string>): MonitorProcess {
    const monitor = runMonitor(env);
    cleanups.push(async () => {
      if (monitor.child.exitCode === null) monitor.child.kill('SIGKILL');
      await monitor.exited;
    });
    return monitor;
  }

  it('refuses to start on a non-loopback address without MONITOR_API_TOKEN (exit 78)', async () => {
    const { namespace, keyPrefix } = farm();
    const monitor = started({
      MONITOR_HOST: '0.0.0.0',
      AMQP_NAMESPACE: namespace,
      REDIS_KEY_PREFIX: keyPrefix,
    });
    expect(await monitor.exited).toBe(78);
    expect(monitor.output()).toMatch(
      /MONITOR_API_TOKEN: required when MONITOR_HOST \(0\.0\.0\.0\) is not a loopback address/,
    );
  }, 60_000);

  it('serves on 0.0.0.0 with a token, folds events, and exits 0 on SIGTERM', async () => {
    const { namespace, keyPrefix, names } = farm();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const monitor = started({
      MONITOR_HOST: '0.0.0.0',
      MONITOR_PORT: String(port),
      MONITOR_API_TOKEN: TOKEN,
      AMQP_NAMESPACE: namespace,
      REDIS_KEY_PREFIX: keyPrefix,
    });
    await waitFor(
      async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined),
      60_000,
      'the monitor to be ready',
    );
    expect((await fetch(`${url}/api/v1/status`)).status).toBe(401);

    await publishEvents(amqp, names, [generateScenario({ tasks: 0 }).sentinel]);
    await waitForSentinel(url, TOKEN);
    expect(monitor.output()).not.toContain(TOKEN);

    monitor.child.kill('SIGTERM');
    expect(await monitor.exited).toBe(0);
    expect(monitor.output()).toMatch(/shutdown complete/);
  }, 90_000);
});
