import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Loose } from '../monitor/support/loose';
import { FarmUnderTest } from './support/farm-under-test';

/** Every step event of one attempt of a task, as the WebSocket client received them. */
function stepEvents(farm: FarmUnderTest, taskId: number, attempt = 1): Loose[] {
  return farm.events.events.filter(
    (e) =>
      (e.type === 'step.started' || e.type === 'step.finished') &&
      e.taskId === taskId &&
      e.attempt === attempt,
  );
}

/** `{state, method} → count` of the monitor's `koji_farm_tasks` gauge. */
function taskGauge(metrics: string, state: string, method: string): number {
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith('koji_farm_tasks{') &&
        l.includes(`state="${state}"`) &&
        l.includes(`method="${method}"`),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * The whole farm as separate processes, started by the demo's launcher (hub simulator,
 * hub-poller, two executors, monitor), checked from the outside: the hub's records,
 * the monitor's REST API, a WebSocket client and /metrics.
 */
describe('farm end to end (launcher: simulator, hub-poller, 2 executors, monitor)', () => {
  let farm: FarmUnderTest;

  beforeAll(async () => {
    farm = await FarmUnderTest.start('farm-e2e', { count: 2, slots: 2 });
  }, 900_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it('runs buildArch tasks: hub results, REST steps and timings, every step event in order over WebSocket, metrics', async () => {
    const hello = await farm.buildArch(farm.seed.srpms.hello);
    const broken = await farm.buildArch(farm.seed.srpms.broken);

    expect(await farm.finished(hello, 240_000)).toMatchObject({ state: 'closed' });
    expect(await farm.finished(broken, 240_000)).toMatchObject({
      state: 'failed',
      error: { name: 'BuildError' },
    });

    // The hub has the outcome: RPMs uploaded and served, the failure as a BuildError.
    expect(await farm.admin.taskState(hello)).toBe('CLOSED');
    const result = await farm.admin.taskResult<{ rpms: string[] }>(hello);
    expect(result.rpms).toEqual([`tasks/${hello % 10000}/${hello}/kf-hello-1.0-1.kf1.x86_64.rpm`]);
    expect(existsSync(join(farm.kojiDir, 'work', result.rpms[0]))).toBe(true);
    expect(await farm.admin.served(`work/${result.rpms[0]}`)).toBe(true);
    expect(await farm.admin.taskState(broken)).toBe('FAILED');
    expect(await farm.admin.taskFailure(broken)).toMatch(/^BuildError: error building package/);

    for (const [taskId, state] of [
      [hello, 'closed'],
      [broken, 'failed'],
    ] as const) {
      // The monitor's REST view: every step of the attempt with its timings.
      const detail = await farm.rest<Loose>(`/api/v1/tasks/${taskId}`);
      expect(detail).toMatchObject({ id: taskId, method: 'buildArch', state, attempt: 1 });
      expect(detail.executorId).toMatch(/-exec-[12]$/);
      expect(detail.durationMs).toBeGreaterThan(0);
      const steps: Loose[] = detail.steps;
      expect(steps.length).toBeGreaterThanOrEqual(5);
      steps.forEach((step, i) => {
        expect(step.step).toBe(i + 1);
        expect(step.startedAt).not.toBeNull();
        expect(step.finishedAt).not.toBeNull();
        expect(Date.parse(step.finishedAt)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
        expect(step.durationMs).toBeGreaterThanOrEqual(0);
      });
      expect(steps[0]).toMatchObject({ kind: 'create', status: 'ok' });
      expect(steps.at(-1)).toMatchObject({ kind: 'remove', status: 'ok' });
      expect(steps.some((s) => s.kind === 'exec' && s.name.includes('rpmbuild'))).toBe(true);

      // The WebSocket client saw every step: started then finished, in order, none missing.
      const seen = stepEvents(farm, taskId);
      expect(seen).toHaveLength(steps.length * 2);
      seen.forEach((event, i) => {
        expect(event.type).toBe(i % 2 === 0 ? 'step.started' : 'step.finished');
        expect(event.step).toBe(Math.floor(i / 2) + 1);
        expect(event.name).toBe(steps[event.step - 1].name);
        if (i > 0) expect(event.seq).toBeGreaterThan(seen[i - 1].seq);
      });
    }
    const buildStep = stepEvents(farm, broken).find(
      (e) => e.type === 'step.finished' && e.name.includes('rpmbuild'),
    );
    expect(buildStep).toMatchObject({ status: 'failed', exitCode: 1 });

    // /metrics counts the tasks by state and method.
    const metrics = await farm.metrics();
    expect(taskGauge(metrics, 'closed', 'buildArch')).toBe(1);
    expect(taskGauge(metrics, 'failed', 'buildArch')).toBe(1);
    expect(metrics).toMatch(/koji_farm_executors_alive 2/);
  }, 600_000);

  it('newRepo makes a READY repo and a build of the sample package ends COMPLETE and tagged, its RPMs under packages/; every task in REST with its steps, every step event over WebSocket, /metrics counts them', async () => {
    const { admin, seed } = farm;
    // As `npm run demo` does: newRepo for the build tag, then `koji build` of the sample.
    const repoTask = await admin.newRepo(seed.buildTag);
    expect(await farm.finished(repoTask, 600_000)).toMatchObject({ state: 'closed' });
    expect(await admin.taskState(repoTask)).toBe('CLOSED');
    const [repoId] = await admin.taskResult<[number, number]>(repoTask);
    expect(await admin.repoIsReady(repoId)).toBe(true);

    const srpm = await admin.uploadSrpm(join(farm.kojiDir, 'work', seed.srpms.hello));
    const buildTask = await admin.build(srpm, seed.target);
    expect(await farm.finished(buildTask, 900_000)).toMatchObject({ state: 'closed' });
    expect(await admin.taskState(buildTask)).toBe('CLOSED');
    const build = await admin.taggedBuildOf(seed.destTag, 'kf-hello', buildTask);
    expect(build).toBeDefined();
    expect(admin.isComplete(build!)).toBe(true);
    const rpms = await admin.buildRpmPaths(build!);
    expect(rpms.map((p) => p.split('/').slice(-2).join('/')).sort()).toEqual([
      expect.stringMatching(/^src\/kf-hello-1\.0-1\.[^/]+\.src\.rpm$/),
      expect.stringMatching(/^x86_64\/kf-hello-1\.0-1\.[^/]+\.x86_64\.rpm$/),
    ]);
    for (const path of rpms) {
      expect(existsSync(join(farm.kojiDir, path))).toBe(true);
      expect(await admin.served(path)).toBe(true);
    }

    // Every task of both trees, as the monitor's REST API shows it once each finished.
    const all = (await farm.rest<{ items: Loose[] }>('/api/v1/tasks?limit=500')).items;
    const tree = new Set([repoTask, buildTask]);
    for (const t of [...all].sort((a, b) => a.id - b.id)) if (tree.has(t.parentId)) tree.add(t.id);
    const methods = all.filter((t) => tree.has(t.id)).map((t) => t.method as string);
    expect(new Set(methods)).toEqual(
      new Set(['newRepo', 'createrepo', 'build', 'rebuildSRPM', 'buildArch', 'tagBuild']),
    );
    for (const taskId of tree) {
      expect(await farm.finished(taskId, 600_000)).toMatchObject({ state: 'closed' });
      const detail = await farm.rest<Loose>(`/api/v1/tasks/${taskId}`);
      expect(detail).toMatchObject({ id: taskId, state: 'closed', attempt: 1 });
      expect(detail.durationMs).toBeGreaterThan(0);
      const steps: Loose[] = detail.steps;
      steps.forEach((step, i) => {
        expect(step.step).toBe(i + 1);
        expect(step.status).toBe('ok');
        expect(Date.parse(step.finishedAt)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
        expect(step.durationMs).toBeGreaterThanOrEqual(0);
      });
      // Tasks that run in a buildroot show its steps, create to remove.
      if (['createrepo', 'rebuildSRPM', 'buildArch'].includes(detail.method)) {
        expect(steps[0]).toMatchObject({ kind: 'create' });
        expect(steps.at(-1)).toMatchObject({ kind: 'remove' });
      }
      // The WebSocket client saw each of them, started then finished, in order.
      const seen = stepEvents(farm, taskId);
      expect(seen.map((e) => [e.type, e.step, e.name])).toEqual(
        steps.flatMap((step) => [
          ['step.started', step.step, step.name],
          ['step.finished', step.step, step.name],
        ]),
      );
      seen.forEach((event, i) => i > 0 && expect(event.seq).toBeGreaterThan(seen[i - 1].seq));
    }

    // /metrics counts every task the monitor knows, by state and method.
    const metrics = await farm.metrics();
    const counts = new Map<string, number>();
    for (const t of all)
      counts.set(`${t.state}|${t.method}`, (counts.get(`${t.state}|${t.method}`) ?? 0) + 1);
    for (const [key, count] of counts) {
      const [state, method] = key.split('|');
      expect([key, taskGauge(metrics, state, method)]).toEqual([key, count]);
    }
    expect(taskGauge(metrics, 'closed', 'build')).toBe(1);
    expect(taskGauge(metrics, 'closed', 'newRepo')).toBe(1);
  }, 1_200_000);

  it('stops every process cleanly and leaves no container, queue or key behind', async () => {
    const report = await farm.stop();
    expect(Object.keys(report.exits).sort()).toEqual(
      ['hub-poller', 'hub-simulator', 'monitor', ...farm.farm.executorIds].sort(),
    );
    for (const exit of Object.values(report.exits)) expect(exit).toEqual({ code: 0, signal: null });
    expect(report.leftoverContainers).toEqual([]);
    expect(await farm.namespaceLeftovers()).toEqual({ queues: [], redisKeys: 0 });
  }, 120_000);
});

describe('farm end to end: tasks spread across executors (3 executors, SLOTS=1)', () => {
  let farm: FarmUnderTest;

  beforeAll(async () => {
    farm = await FarmUnderTest.start('farm-spread', { count: 3, slots: 1 });
  }, 900_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it('runs ten buildArch tasks on all three executors, never two at once on one', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(await farm.buildArch());
    for (const id of ids) expect(await farm.finished(id, 600_000)).toMatchObject({ state: 'closed' });
    for (const id of ids) expect(await farm.admin.taskState(id)).toBe('CLOSED');

    const started = farm.events.events.filter((e) => e.type === 'task.started' && ids.includes(e.taskId));
    const byExecutor = new Map<string, number[]>();
    for (const e of started)
      byExecutor.set(e.executorId, [...(byExecutor.get(e.executorId) ?? []), e.taskId]);
    expect([...byExecutor.keys()].sort()).toEqual([...farm.farm.executorIds].sort());

    // SLOTS=1: on each executor a task starts only after the one before it finished.
    const events = farm.events.events;
    for (const executorId of farm.farm.executorIds) {
      let running: number | undefined;
      for (const e of events.filter((x) => x.executorId === executorId && ids.includes(x.taskId))) {
        if (e.type === 'task.started') {
          expect(running).toBeUndefined();
          running = e.taskId;
        } else if (e.type === 'task.finished') {
          expect(e.taskId).toBe(running);
          running = undefined;
        }
      }
    }
  }, 900_000);
});
