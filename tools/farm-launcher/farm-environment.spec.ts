import { loadConfig } from '@koji-farm/config';
import { executorConfigSchema } from '../../apps/executor/src/config/executor.config';
import { hubPollerConfigSchema } from '../../apps/hub-poller/src/config/hub-poller.config';
import { monitorConfigSchema } from '../../apps/monitor/src/config/monitor.config';
import {
  executorEnvironment,
  monitorEnvironment,
  pollerEnvironment,
  seededHostAuth,
} from './farm-environment';
import { executorIds, FARM_DEFAULTS, type FarmSpec } from './farm-spec';

const spec: FarmSpec = {
  runDir: '/tmp/farm-x',
  namespace: 'farm-x',
  hub: { kind: 'simulator', seed: true },
  executors: { count: 3, slots: 1, arches: ['x86_64', 'noarch'], idPrefix: 'farm-x-exec' },
  monitorPort: 0,
  amqpUrl: FARM_DEFAULTS.amqpUrl,
  redisUrl: FARM_DEFAULTS.redisUrl,
  podmanSocket: FARM_DEFAULTS.podmanSocket,
  containerLabels: { 'io.koji-farm.test': 'true' },
};
const hub = {
  url: 'http://127.0.0.1:9/kojihub',
  topurl: 'http://127.0.0.1:9/kojifiles',
  auth: seededHostAuth(),
};

describe('farm environment', () => {
  it('gives every app a configuration its own schema accepts, with one namespace and key prefix', () => {
    const poller = loadConfig(
      'hub-poller',
      hubPollerConfigSchema,
      pollerEnvironment(spec, hub, 'farm-x-poller', 9001),
    );
    const monitor = loadConfig(
      'monitor',
      monitorConfigSchema,
      monitorEnvironment(spec, 9002, 'farm-x-monitor'),
    );
    const executors = executorIds(spec).map((id) =>
      loadConfig('executor', executorConfigSchema, executorEnvironment(spec, id)),
    );
    for (const config of [poller, monitor, ...executors]) {
      expect(config.amqp).toEqual({ url: FARM_DEFAULTS.amqpUrl, namespace: 'farm-x' });
      expect(config.redis).toEqual({ url: FARM_DEFAULTS.redisUrl, keyPrefix: 'farm-x:' });
    }
    expect(poller.hub).toMatchObject({
      url: hub.url,
      topurl: hub.topurl,
      auth: { kind: 'password', user: 'kf-builder' },
    });
    expect(poller.http).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(monitor.http).toMatchObject({ host: '127.0.0.1', port: 9002 });
    expect(executors.map((e) => e.executorId)).toEqual(['farm-x-exec-1', 'farm-x-exec-2', 'farm-x-exec-3']);
    for (const e of executors) {
      expect(e).toMatchObject({
        slots: 1,
        arches: ['x86_64', 'noarch'],
        podmanSocket: FARM_DEFAULTS.podmanSocket,
      });
      expect(e.containers).toMatchObject({ fetchNetwork: 'host', labels: { 'io.koji-farm.test': 'true' } });
    }
    expect(new Set(executors.map((e) => e.workDir)).size).toBe(3);
  });

  it('lets the spec override any key of one app', () => {
    const env = executorEnvironment({ ...spec, env: { executor: { SLOTS: '4' } } }, 'x');
    expect(loadConfig('executor', executorConfigSchema, env).slots).toBe(4);
  });
});
