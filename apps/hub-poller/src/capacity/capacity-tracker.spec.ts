import { randomUUID } from 'node:crypto';
import { executorHeartbeatEvent, type ExecutorHeartbeatEvent } from '@koji-farm/contracts';
import { silentLogger } from '@koji-farm/observability';
import { type HubPollerConfig } from '../config/hub-poller.config';
import { CapacityTracker } from './capacity-tracker';

function heartbeat(
  executorId: string,
  slots: number,
  running: ExecutorHeartbeatEvent['running'] = [],
): ExecutorHeartbeatEvent {
  return executorHeartbeatEvent.parse({
    v: 1,
    id: randomUUID(),
    at: new Date().toISOString(),
    seq: 1,
    executorId,
    type: 'executor.heartbeat',
    arches: ['x86_64'],
    methods: ['buildArch'],
    slots,
    busy: 0,
    load: 0,
    version: 'test',
    startedAt: new Date().toISOString(),
    hostname: 'h',
    running,
  });
}

describe(CapacityTracker.name, () => {
  const config = { executorGoneAfterMs: 15_000 } as HubPollerConfig;

  it('forgets an executor silent for longer than EXECUTOR_GONE_AFTER, and keeps one that is not', () => {
    const sut = new CapacityTracker(config, silentLogger);
    sut.onHeartbeat(heartbeat('a', 2), 1_000);
    sut.onHeartbeat(heartbeat('b', 3), 10_000);
    expect(sut.snapshot([], 15_000).containerSlots).toBe(5);
    expect(sut.live(16_001).map((e) => e.executorId)).toEqual(['b']);
    expect(sut.snapshot([], 25_001).liveExecutors).toBe(0);
  });

  it('uses the latest heartbeat of each executor and drops a stopped one at once', () => {
    const sut = new CapacityTracker(config, silentLogger);
    sut.onHeartbeat(heartbeat('a', 2), 0);
    sut.onHeartbeat(heartbeat('a', 6), 1);
    expect(sut.snapshot([], 2).containerSlots).toBe(6);
    sut.onStopped('a');
    expect(sut.snapshot([], 3).liveExecutors).toBe(0);
  });

  it("lists live executors' running tasks and remembers the highest generation heard of a task", () => {
    const sut = new CapacityTracker(config, silentLogger);
    sut.onHeartbeat(heartbeat('a', 2, [{ taskId: 7, generation: 3, attempt: 13, buildroots: [70] }]), 0);
    sut.onHeartbeat(heartbeat('b', 2, [{ taskId: 8, generation: 1, attempt: 1, buildroots: [] }]), 0);
    expect([...sut.claims(1).entries()]).toEqual([
      [7, { taskId: 7, generation: 3, attempt: 13, buildroots: [70], executorId: 'a' }],
      [8, { taskId: 8, generation: 1, attempt: 1, buildroots: [], executorId: 'b' }],
    ]);
    sut.onHeartbeat(heartbeat('a', 2, []), 2);
    expect([...sut.claims(3).keys()]).toEqual([8]);
    expect(sut.claims(20_000).size).toBe(0);
    expect(sut.generationSeen(7)).toBe(3);
    expect(sut.generationSeen(9)).toBe(0);
  });
});
