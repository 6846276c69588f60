import { type ExecutorView } from '../views/farm.views';
import { type TaskSummaryView } from '../views/task.views';
import { waitingReason } from './waiting-reason';

const task = (fields: Partial<TaskSummaryView>): TaskSummaryView => ({
  id: 1,
  method: 'buildArch',
  arch: 'x86_64',
  state: 'queued',
  attempt: null,
  executorId: null,
  containerId: null,
  parentId: null,
  priority: 19,
  queue: 'koji.tasks.x86_64',
  queuedAt: null,
  receivedAt: null,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  currentStep: null,
  cancelRequestedAt: null,
  ...fields,
});

const executor = (fields: Partial<ExecutorView>): ExecutorView => ({
  id: 'e',
  hostname: null,
  state: 'alive',
  arches: ['x86_64'],
  methods: [],
  slots: 2,
  busy: 0,
  orchestrating: 0,
  orchestrationSlots: 0,
  load: 0,
  version: null,
  startedAt: null,
  lastHeartbeatAt: null,
  stoppedAt: null,
  stopReason: null,
  healthy: true,
  problems: [],
  ...fields,
});

describe(waitingReason.name, () => {
  it('blames the lack of a live executor for the arch, ignoring gone and stopped ones', () => {
    const sut = waitingReason(task({}), [executor({ state: 'gone' }), executor({ arches: ['aarch64'] })], 3);
    expect(sut).toMatchObject({ reason: 'no-executor', executors: 0, position: 3 });
    expect(sut.message).toBe('no live executor serves buildArch on x86_64; position 3 in koji.tasks.x86_64');
  });

  it('counts executors that do not offer the method as not serving it', () => {
    expect(waitingReason(task({}), [executor({ methods: ['createrepo'] })], 1).reason).toBe('no-executor');
  });

  it('says when every slot that could run it is busy', () => {
    const sut = waitingReason(
      task({}),
      [executor({ slots: 2, busy: 2 }), executor({ slots: 1, busy: 1 })],
      2,
    );
    expect(sut).toMatchObject({ reason: 'slots-busy', slots: 3, busy: 3, executors: 2 });
  });

  it('names what keeps an unhealthy executor (0 slots) from taking the task', () => {
    const sick = executor({
      id: 'e2',
      slots: 0,
      healthy: false,
      problems: [{ check: 'podman', message: "Podman's API does not answer", since: '2026-01-01T00:00:00Z' }],
    });
    const sut = waitingReason(task({}), [sick], 1);
    expect(sut.reason).toBe('slots-busy');
    expect(sut.message).toContain("e2 takes no tasks: Podman's API does not answer");
  });

  it('otherwise gives its place in the queue', () => {
    expect(waitingReason(task({}), [executor({ slots: 4, busy: 1 })], 5)).toMatchObject({
      reason: 'in-queue',
      message: '3 of 4 slots free; position 5 in koji.tasks.x86_64',
    });
  });

  it('judges orchestration tasks by orchestration slots, whatever the arch', () => {
    const parent = task({ method: 'build', arch: 'noarch', queue: 'koji.tasks.orchestrate' });
    expect(waitingReason(parent, [executor({ orchestrationSlots: 0 })], 1).reason).toBe('no-executor');
    expect(waitingReason(parent, [executor({ orchestrationSlots: 2, orchestrating: 2 })], 1).reason).toBe(
      'slots-busy',
    );
  });
});
