import { TASK_STATES, BR_STATES } from '../koji-hub-sim';
import { ExecutorProcess } from './support/executor-process';
import { TestFarm } from './support/test-farm';

describe('executor processes: SIGKILL mid-build, SIGTERM (simulator, RabbitMQ, Podman)', () => {
  let farm: TestFarm;
  const processes: ExecutorProcess[] = [];

  beforeAll(async () => {
    farm = await TestFarm.start('exec-kill');
  }, 120_000);

  afterAll(async () => {
    for (const p of processes) await p.stop(5000).catch(() => undefined);
    await farm?.stop();
  }, 90_000);

  function spawnExecutor(id: string): ExecutorProcess {
    const p = ExecutorProcess.spawn(id, farm.env(id, { LOG_LEVEL: 'debug' }));
    processes.push(p);
    return p;
  }

  it('finishes the task on the second executor after the first is SIGKILLed mid-build, and leaves no container', async () => {
    const a = spawnExecutor('exec-kill-a');
    const b = spawnExecutor('exec-kill-b');
    for (const id of [a.executorId, b.executorId]) {
      await farm.events.waitFor(
        (e) => e.type === 'executor.heartbeat' && e.executorId === id,
        60_000,
        `a heartbeat of ${id}`,
      );
    }
    const message = await farm.buildArchTask(farm.srpms.slow);
    await farm.publish(message);
    const building = await farm.events.waitFor(
      (e) => e.type === 'step.started' && e.taskId === message.taskId && e.name === 'exec rpmbuild --rebuild',
      120_000,
      'the build step',
    );
    const [victim, survivor] =
      (building as { executorId: string }).executorId === a.executorId ? [a, b] : [b, a];
    const firstBroot = farm.events.ofTask(message.taskId, 1).find((e) => e.type === 'buildroot.state');
    victim.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const finished = await farm.events.finished(message.taskId, 120_000, 2);
    expect(finished).toMatchObject({ state: 'closed', executorId: survivor.executorId });
    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.CLOSED);
    const result = (await farm.host.taskResult(message.taskId)) as { rpms: string[] };
    expect(result.rpms).toEqual([
      `tasks/${message.taskId % 10000}/${message.taskId}/kf-slow-1.0-1.noarch.rpm`,
    ]);

    // The second attempt expired the first attempt's buildroot; every buildroot ends EXPIRED.
    const expiredFirst = farm.events
      .ofTask(message.taskId, 2)
      .find(
        (e) =>
          e.type === 'buildroot.state' &&
          e.state === 'EXPIRED' &&
          e.brootId === (firstBroot as { brootId: number }).brootId,
      );
    expect(expiredFirst).toBeDefined();
    const broots = await farm.host.buildroots(message.taskId);
    expect(broots).toHaveLength(2);
    expect(broots.every((b) => b.state === BR_STATES.EXPIRED)).toBe(true);

    // The killed executor's container is an orphan: the survivor's reaper removes it.
    await farm.until(
      async () => (await farm.containersOf(message.taskId)).length === 0,
      20_000,
      'no container of the task is left',
    );

    const logs = [...a.lines, ...b.lines].join('\n');
    expect(logs).toContain('removed an orphaned container');
    expect(logs).not.toContain(message.session.key);
    expect(farm.events.raw.join('\n')).not.toContain(message.session.key);
  }, 300_000);

  it('exits 0 on SIGTERM after publishing executor.stopped', async () => {
    const c = spawnExecutor('exec-kill-c');
    // bootstrapApp installs its signal handlers once the app is up and says "executor started".
    await farm.until(
      () => c.lines.some((l) => l.includes('"msg":"executor started"')),
      60_000,
      'the executor has started',
    );
    const exit = await c.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    await farm.events.waitFor((e) => e.type === 'executor.stopped' && e.executorId === 'exec-kill-c', 30_000);
    expect(c.lines.some((l) => l.includes('shutdown complete'))).toBe(true);
  }, 120_000);
});
