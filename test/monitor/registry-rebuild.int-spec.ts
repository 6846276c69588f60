import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EventsLogConsumer } from '../../apps/monitor/src/ingest/events-log-consumer';
import { generateScenario } from './support/farm-scenario';
import { deleteKeys, type RunningMonitor } from './support/monitor-harness';
import { MonitorTestBed } from './support/monitor-test-bed';
import { getJson, registryDump, waitForSentinel } from './support/rest-client';
import { waitFor } from './support/waits';

const run = promisify(execFile);

describe(`${EventsLogConsumer.name} resuming and rebuilding`, () => {
  const bed = MonitorTestBed.install('rebuild');

  const monitor = () => bed.monitor();

  async function foldedOffset(m: RunningMonitor): Promise<number | null> {
    return (await getJson(m.url, '/api/v1/status')).monitor.foldedOffset;
  }

  it('rebuilds an equal registry from the stream when Redis loses it under a running monitor', async () => {
    const scenario = generateScenario({ tasks: 15, seed: 21 });
    const sut = await monitor();
    await bed.publish([...scenario.events, scenario.sentinel]);
    await waitForSentinel(sut.url);
    const before = await registryDump(sut.url);
    const offset = await foldedOffset(sut);
    expect(offset).toBe(scenario.events.length);

    expect(await deleteKeys(bed.keyPrefix)).toBeGreaterThan(50);
    await waitFor(
      async () => {
        const status = await getJson(sut.url, '/api/v1/status');
        return status.monitor.rebuilds >= 1 && status.monitor.foldedOffset >= offset! ? true : undefined;
      },
      30_000,
      'the registry to be rebuilt',
    );

    expect(await registryDump(sut.url)).toEqual(before);
  }, 90_000);

  it('rebuilds at start when Redis lost the registry while no monitor ran', async () => {
    const scenario = generateScenario({ tasks: 10, seed: 22 });
    const first = await monitor();
    await bed.publish([...scenario.events, scenario.sentinel]);
    await waitForSentinel(first.url);
    const before = await registryDump(first.url);
    await first.close();

    await deleteKeys(bed.keyPrefix);
    const second = await monitor();
    await waitForSentinel(second.url);
    expect((await getJson(second.url, '/api/v1/status')).monitor.subscribedFrom).toBe('first');
    expect(await registryDump(second.url)).toEqual(before);
  }, 90_000);

  it('resumes after the folded offset when the registry survived, without re-reading the stream', async () => {
    const scenario = generateScenario({ tasks: 6, seed: 23 });
    const [early, late] = [scenario.events.slice(0, 150), scenario.events.slice(150)];
    const first = await monitor();
    await bed.publish(early);
    await waitFor(async () => ((await foldedOffset(first)) === early.length - 1 ? true : undefined));
    await first.close();

    const second = await monitor();
    const status = await getJson(second.url, '/api/v1/status');
    expect(status.monitor.subscribedFrom).toBe(early.length);
    await bed.publish([...late, scenario.sentinel]);
    await waitForSentinel(second.url);
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(metrics).not.toMatch(/result="duplicate"/);
    const folded = [
      ...metrics.matchAll(
        /koji_farm_monitor_events_folded_total\{[^}]*result="(?:folded|stale)"[^}]*\} (\d+)/g,
      ),
    ];
    expect(folded.reduce((n, m) => n + Number(m[1]), 0)).toBe(late.length + 1);
  }, 90_000);

  it('keeps folding, without a gap, after RabbitMQ closed its connection', async () => {
    const scenario = generateScenario({ tasks: 8, seed: 24 });
    const half = Math.floor(scenario.events.length / 2);
    const replicaId = `replica-${bed.keyPrefix.slice(-9, -1)}`;
    const single = await bed.monitor({ replicaId });
    await bed.publish(scenario.events.slice(0, half));
    await waitFor(async () => ((await foldedOffset(single)) === half - 1 ? true : undefined));
    const before = (await getJson(single.url, '/api/v1/status')).monitor.subscribedFrom;

    const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
    const line = stdout.split('\n').find((l) => l.includes(`monitor-${replicaId}`));
    expect(line).toBeDefined();
    await run('rabbitmqctl', ['close_connection', line!.split('\t')[0], 'test: forced close']);

    await bed.publish([...scenario.events.slice(half), scenario.sentinel]);
    await waitForSentinel(single.url);
    const status = await getJson(single.url, '/api/v1/status');
    expect(status.monitor.subscribedFrom).not.toBe(before);
    expect(status.monitor.foldedOffset).toBe(scenario.events.length);
    expect((await getJson(single.url, '/api/v1/tasks?limit=500')).items).toHaveLength(8);
  }, 90_000);
});
