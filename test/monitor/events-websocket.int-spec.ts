import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { type FarmEvent, farmEventSchema } from '@koji-farm/contracts';
import { EventsGateway } from '../../apps/monitor/src/live/events-gateway';
import { compareStreamIds } from '../../apps/monitor/src/live/feed-entry';
import { CLOSE_SLOW_CONSUMER } from '../../apps/monitor/src/live/live-client';
import { EventsClient } from './support/events-client';
import { generateScenario } from './support/farm-scenario';
import { type MonitorOptions, type RunningMonitor } from './support/monitor-harness';
import { MonitorTestBed } from './support/monitor-test-bed';
import { type Loose } from './support/loose';

/** Answers an upgrade to /api/v1/events with `query`: the HTTP status and JSON body of a refusal. */
function refusedUpgrade(wsUrl: string, query: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Loose }>((resolve, reject) => {
    const socket = new WebSocket(`${wsUrl}/api/v1/events?${query}`, { headers });
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => undefined);
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
  });
}

describe(EventsGateway.name, () => {
  const bed = MonitorTestBed.install('ws');

  async function monitor(options: Partial<MonitorOptions> = {}): Promise<RunningMonitor> {
    return bed.monitor(options);
  }

  async function client(sut: RunningMonitor, query = ''): Promise<EventsClient> {
    const c = await EventsClient.connect(sut.wsUrl, query);
    bed.onCleanup(() => c.close());
    return c;
  }

  const hasSentinel = (c: EventsClient) => () => c.events.some((e) => e.executorId === 'sentinel');

  it('sends each client only the events its task, type and executor filters ask for, in stream order', async () => {
    const scenario = generateScenario({ tasks: 8, seed: 31 });
    const sut = await monitor();
    const [t1, t2] = [scenario.tasks[0].id, scenario.tasks[2].id];
    const all = await client(sut);
    const filters: Array<[string, (e: Loose) => boolean]> = [
      [`task=${t1},${t2}`, (e) => e.taskId === t1 || e.taskId === t2],
      ['type=step.*,task.finished', (e) => e.type.startsWith('step.') || e.type === 'task.finished'],
      ['executor=exec-b', (e) => e.executorId === 'exec-b'],
      [`type=log.chunk&task=${t1}`, (e) => e.type === 'log.chunk' && e.taskId === t1],
    ];
    const filtered = await Promise.all(filters.map(([query]) => client(sut, query)));

    await bed.publish([...scenario.events, scenario.sentinel]);
    await all.until(hasSentinel(all));
    expect(new Set(all.events.map((e) => e.id)).size).toBe(all.events.length);
    for (const [i, [, wanted]] of filters.entries()) {
      const expected = all.events.filter(wanted).map((e) => e.id);
      expect(expected.length).toBeGreaterThan(0);
      await filtered[i].until(() => filtered[i].events.length >= expected.length);
      expect(filtered[i].events.map((e) => e.id)).toEqual(expected);
    }
  }, 60_000);

  it('resumes from a cursor without a gap or a repeat, also while events keep coming', async () => {
    const scenario = generateScenario({ tasks: 8, seed: 32 });
    const half = Math.floor(scenario.events.length / 2);
    const sut = await monitor();
    const all = await client(sut);
    const first = await client(sut);
    await bed.publish(scenario.events.slice(0, half));
    await first.until(() => first.events.length >= half - 10);
    const resumeAt = first.frames.filter((f) => f.kind === 'event')[half - 20];
    await first.close();

    // The rest is published while the resumed client reads its backlog.
    const publishing = bed.publish([...scenario.events.slice(half), scenario.sentinel]);
    const resumed = await client(sut, `since=${resumeAt.cursor}`);
    await publishing;
    await resumed.until(hasSentinel(resumed));
    await all.until(hasSentinel(all));

    const ids = all.events.map((e) => e.id);
    const expected = ids.slice(ids.indexOf(resumeAt.event.id) + 1);
    expect(resumed.events.map((e) => e.id)).toEqual(expected);
    const cursors = resumed.frames.filter((f) => f.kind === 'event').map((f) => f.cursor!);
    expect([...cursors].sort(compareStreamIds)).toEqual(cursors);
  }, 60_000);

  it('says so when the cursor is older than the retained stream', async () => {
    const scenario = generateScenario({ tasks: 10, seed: 33 });
    const sut = await monitor({ env: { MONITOR_EVENT_STREAM_MAX_LENGTH: '100' } });
    const watcher = await client(sut);
    await bed.publish([...scenario.events, scenario.sentinel]);
    await watcher.until(hasSentinel(watcher));
    const late = await client(sut, 'since=0');
    expect(late.frames[0]).toMatchObject({ kind: 'gap' });
    expect(late.frames[0].message).toMatch(/trimmed/);
    expect(late.events.at(-1)!.executorId).toBe('sentinel');
  }, 60_000);

  it('drops a client that does not read, with a close reason, without holding up the others', async () => {
    const sut = await monitor({ env: { MONITOR_WS_MAX_BUFFERED_BYTES: '65536' } });
    const fast = await client(sut, 'type=log.chunk,executor.heartbeat');
    const slow = await client(sut);
    slow.socket.pause();
    const at = new Date().toISOString();
    const chunk = 'x'.repeat(20_000) + '\n';
    const events: FarmEvent[] = Array.from({ length: 2500 }, (_, i) =>
      farmEventSchema.parse({
        v: 1,
        id: randomUUID(),
        type: 'log.chunk',
        at,
        seq: i + 1,
        executorId: 'exec-a',
        taskId: 77,
        attempt: 1,
        log: 'build.log',
        offset: i * chunk.length,
        data: chunk,
      }),
    );
    const sentinel = generateScenario({ tasks: 0 }).sentinel;
    await bed.publish([...events, sentinel]);
    await fast.until(hasSentinel(fast), 60_000);
    expect(fast.events.filter((e) => e.type === 'log.chunk')).toHaveLength(events.length);
    expect(fast.events[0]).toMatchObject({ dataTruncated: true });
    expect(Buffer.byteLength(fast.events[0].data)).toBe(8192);

    slow.socket.resume();
    await slow.whenClosed();
    expect(slow.closeCode).toBe(CLOSE_SLOW_CONSUMER);
    expect(slow.closeReason).toMatch(/slow consumer/);
    expect(slow.events.length).toBeLessThan(events.length);
    const metrics = await (await fetch(`${sut.url}/metrics`)).text();
    expect(metrics).toMatch(/koji_farm_monitor_websocket_clients 1\b/);
  }, 120_000);

  it('refuses bad filters and cursors with a 400 that names the parameter', async () => {
    const sut = await monitor();
    const cases: Array<[string, RegExp]> = [
      ['type=task.exploded', /type\.0: unknown event type "task\.exploded"/],
      ['task=abc', /task\.0: expected a task id/],
      ['executor=bad%20id', /executor\.0: expected an identifier/],
      ['since=yesterday', /since: expected a cursor/],
      ['colour=red', /unknown parameter\(s\) colour/],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await refusedUpgrade(sut.wsUrl, query);
      expect(status).toBe(400);
      expect(body.error).toBe('bad_request');
      expect(body.message).toMatch(message);
    }
  }, 30_000);
});
