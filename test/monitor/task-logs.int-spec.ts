import { LogsController } from '../../apps/monitor/src/api/logs.controller';
import { MonitorTestBed } from './support/monitor-test-bed';
import { EventFactory } from './support/raw-events';
import { getJson } from './support/rest-client';
import { SseClient } from './support/sse-client';
import { waitFor } from './support/waits';
import { type Loose } from './support/loose';

describe(LogsController.name, () => {
  const bed = MonitorTestBed.install('logs');

  it('reads a log from an offset, in pieces that never split a character, and its last lines', async () => {
    const { sut, scenario } = await bed.withScenario(3);
    const task = scenario.tasks[0];
    const base = `${sut.url}/api/v1/tasks/${task.id}/logs/build.log`;
    let offset = 0;
    let text = '';
    for (;;) {
      const response = await fetch(`${base}?offset=${offset}&limit=37`);
      const piece = await response.text();
      expect(piece).not.toContain('\uFFFD');
      text += piece;
      const next = Number(response.headers.get('x-log-next-offset'));
      if (next === offset) break;
      expect(next - offset).toBeLessThanOrEqual(37);
      offset = next;
    }
    expect(text).toBe(task.buildLog);
    const tail = await (await fetch(`${base}?tail=2`)).text();
    expect(tail).toBe(task.buildLog.split('\n').slice(-3).join('\n'));
    const logs = await getJson(sut.url, `/api/v1/tasks/${task.id}/logs`);
    expect(logs.items.map((l: Loose) => [l.attempt, l.name, l.size, l.complete])).toEqual([
      [1, 'build.log', Buffer.byteLength(task.buildLog), true],
      [1, 'root.log', expect.any(Number), true],
    ]);
  }, 30_000);

  it('follows a log as Server-Sent Events: what is there, then appended lines, then the end', async () => {
    const sut = await bed.monitor();
    const events = new EventFactory();
    const line = (n: number) => `line ${n} ✓\n`;
    let offset = 0;
    const chunk = (n: number) => {
      const data = line(n);
      const event = events.task(9001, 1, 'log.chunk', { log: 'build.log', offset, data });
      offset += Buffer.byteLength(data);
      return event;
    };
    await bed.publish([
      events.task(9001, 1, 'task.received', { method: 'buildArch', arch: 'x86_64', parentId: null }),
      events.task(9001, 1, 'step.started', { step: 1, kind: 'exec', name: 'exec build', log: 'build.log' }),
      chunk(1),
      chunk(2),
    ]);
    await waitFor(async () =>
      (await fetch(`${sut.url}/api/v1/tasks/9001/logs/build.log`)).ok ? true : undefined,
    );

    const follower = await SseClient.open(`${sut.url}/api/v1/tasks/9001/logs/build.log/follow`);
    bed.onCleanup(() => Promise.resolve(follower.close()));
    expect(follower.status).toBe(200);
    await follower.until(() => follower.text.includes('line 2'));

    const appended = [chunk(3), chunk(4), chunk(5)];
    await bed.publish([appended[1], appended[0], appended[2]]);
    await follower.until(() => follower.text.includes('line 5'));
    expect(follower.text).toBe([1, 2, 3, 4, 5].map(line).join(''));

    await bed.publish([events.task(9001, 1, 'task.finished', { state: 'closed', durationMs: 10 })]);
    await follower.until(() => follower.events.some((e) => e.event === 'end'));
    const ids = follower.events.filter((e) => e.event === 'log').map((e) => Number(e.id));
    expect(ids.at(-1)).toBe(offset);

    // An EventSource that reconnects sends the last id it saw and gets only what follows.
    const resumed = await SseClient.open(`${sut.url}/api/v1/tasks/9001/logs/build.log/follow`, {
      'Last-Event-ID': String(ids[0]),
    });
    bed.onCleanup(() => Promise.resolve(resumed.close()));
    await resumed.until(() => resumed.events.some((e) => e.event === 'end'));
    const whole = [1, 2, 3, 4, 5].map(line).join('');
    expect(ids[0]).toBeLessThan(offset);
    expect(resumed.text).toBe(Buffer.from(whole).subarray(ids[0]).toString('utf8'));
  }, 30_000);
});
