import { loadConfig } from '@koji-farm/config';
import { type ContainerManager, type ContainerSummary } from '@koji-farm/container';
import { silentLogger } from '@koji-farm/observability';
import { executorConfigSchema } from '../config/executor.config';
import { RunningTask } from '../tasks/running-task';
import { RunningTasks } from '../tasks/running-tasks';
import { type ExecutorStateStore } from './executor-state.store';
import { OrphanReaper } from './orphan-reaper.service';

function container(id: string, executor: string, task: number, attempt: number): ContainerSummary {
  return {
    id: id.padEnd(64, '0'),
    name: `kf-${task}`,
    image: 'localhost/img:1',
    labels: {
      'io.koji-farm.executor': executor,
      'io.koji-farm.task': String(task),
      'io.koji-farm.attempt': String(attempt),
    },
    state: 'running',
    createdAt: new Date(),
  };
}

describe(OrphanReaper.name, () => {
  const config = loadConfig('executor', executorConfigSchema, {
    EXECUTOR_ID: 'me',
    AMQP_NAMESPACE: 'test-ns',
    CONTAINER_LABELS: 'io.koji-farm.test=true',
  });
  const logger = silentLogger;

  it("removes its own containers whose attempt it does not run and dead executors' containers, sparing kept ones", async () => {
    const found = [
      container('a1', 'me', 1, 1), // running here: kept
      container('a2', 'me', 1, 0), // an older attempt of a running task: orphan
      container('a3', 'me', 2, 1), // not running: orphan
      container('b1', 'alive-exec', 3, 1), // other executor alive
      container('c1', 'dead-exec', 4, 1), // other executor gone: orphan
      container('c2', 'dead-exec', 5, 1), // gone, but kept for debugging
    ];
    let listedWith: Record<string, string | true> = {};
    const removed: string[] = [];
    const containers = {
      listByLabel: (labels: Record<string, string | true>) => {
        listedWith = labels;
        return Promise.resolve(found);
      },
      remove: (ref: { id: string }) => {
        removed.push(ref.id.slice(0, 2));
        return Promise.resolve(true);
      },
    } as unknown as ContainerManager;
    const state = {
      keptAmong: () => Promise.resolve(new Set([found[5].id])),
      aliveAmong: (ids: string[]) => Promise.resolve(new Set(ids.filter((id) => id === 'alive-exec'))),
    } as unknown as ExecutorStateStore;
    const running = new RunningTasks();
    running.add(new RunningTask(1, 1, 1, 'buildArch', 1.5));
    const sut = new OrphanReaper(config, containers, state, running, logger);

    const report = await sut.reapOnce();

    expect(listedWith).toEqual({
      'io.koji-farm.test': 'true',
      'io.koji-farm.executor': true,
      'io.koji-farm.namespace': 'test-ns',
    });
    expect(removed.sort()).toEqual(['a2', 'a3', 'c1']);
    expect(report.removed.find((r) => r.containerId.startsWith('c1'))?.why).toContain('dead-exec');
  });

  it('goes on when one removal fails and reports the rest', async () => {
    const found = [container('a1', 'me', 1, 1), container('a2', 'me', 2, 1)];
    const containers = {
      listByLabel: () => Promise.resolve(found),
      remove: (ref: { id: string }) =>
        ref.id.startsWith('a1') ? Promise.reject(new Error('busy')) : Promise.resolve(true),
    } as unknown as ContainerManager;
    const state = {
      keptAmong: () => Promise.resolve(new Set<string>()),
      aliveAmong: () => Promise.resolve(new Set<string>()),
    } as unknown as ExecutorStateStore;
    const sut = new OrphanReaper(config, containers, state, new RunningTasks(), logger);
    const report = await sut.reapOnce();
    expect(report.removed.map((r) => r.containerId.slice(0, 2))).toEqual(['a2']);
  });
});
