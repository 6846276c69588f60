import { type InFlightTask } from '../state/in-flight-task';
import { type ExecutorState } from './executor-state';
import { FarmCapacity } from './farm-capacity';

function executor(patch: Partial<ExecutorState> = {}): ExecutorState {
  return {
    executorId: 'e1',
    arches: ['x86_64', 'noarch'],
    methods: ['buildArch', 'build'],
    slots: 4,
    busy: 0,
    orchestrating: 0,
    orchestrationSlots: 0,
    load: 0,
    running: [],
    lastSeen: 0,
    ...patch,
  };
}

let nextId = 1;
function task(patch: Partial<InFlightTask> = {}): InFlightTask {
  return {
    taskId: nextId++,
    method: 'buildArch',
    arch: 'x86_64',
    queue: 'koji.tasks.x86_64',
    orchestration: false,
    weight: 1.5,
    priority: 20,
    channelId: 1,
    parentId: null,
    masterSessionId: 1,
    subsessionId: 2,
    generation: 1,
    publishedAt: '2026-11-23T00:00:00.000Z',
    ...patch,
  };
}

describe(FarmCapacity.name, () => {
  it('is not ready without executors, and reports no methods and no slots', () => {
    const sut = new FarmCapacity([], []);
    expect(sut).toMatchObject({ liveExecutors: 0, methods: [], maxjobs: 0, hasFreeSlot: false });
  });

  it('counts a slot used when an executor reports it busy or a queued task may hold it, never both', () => {
    const executors = [executor({ slots: 4, busy: 1 }), executor({ executorId: 'e2', slots: 2, busy: 1 })];
    // Two queued tasks, one already reported busy by an executor: used = max(2, 2) = 2, not 4.
    expect(new FarmCapacity(executors, [task(), task()]).containerFree).toBe(4);
    // Three queued, two reported: the third is in the queue or between heartbeats.
    expect(new FarmCapacity(executors, [task(), task(), task()]).containerFree).toBe(3);
    // Executors still busy with work the poller no longer tracks (a task being cancelled).
    expect(new FarmCapacity([executor({ slots: 4, busy: 3 })], []).containerFree).toBe(1);
  });

  it('reports maxjobs as container plus orchestration slots and limits orchestration separately', () => {
    const sut = new FarmCapacity(
      [executor({ slots: 2, busy: 2, orchestrationSlots: 5, orchestrating: 1 })],
      [task(), task(), task({ method: 'build', arch: 'noarch', orchestration: true })],
    );
    expect(sut.maxjobs).toBe(7);
    expect(sut.containerFree).toBe(0);
    expect(sut.orchestrationFree).toBe(4);
    expect(sut.hasFreeSlot).toBe(true);
    expect(sut.hasRoomFor('x86_64', false)).toBe(false);
    expect(sut.hasRoomFor('noarch', true)).toBe(true);
  });

  it('counts room per arch from the executors that serve it', () => {
    const sut = new FarmCapacity(
      [
        executor({ executorId: 'x86', arches: ['x86_64'], slots: 3 }),
        executor({ executorId: 'arm', arches: ['aarch64'], slots: 1, busy: 1 }),
      ],
      [],
    );
    expect(sut.containerFree).toBe(3);
    expect(sut.hasRoomFor('x86_64', false)).toBe(true);
    expect(sut.hasRoomFor('aarch64', false)).toBe(false);
    expect(sut.hasRoomFor('ppc64le', false)).toBe(false);
  });

  it('takes slots as tasks are queued within one loop', () => {
    const sut = new FarmCapacity([executor({ slots: 2, orchestrationSlots: 1 })], []);
    sut.take('x86_64', false);
    expect(sut.hasRoomFor('x86_64', false)).toBe(true);
    sut.take('noarch', false); // the same executor: x86_64 room shrinks too
    expect(sut.hasRoomFor('x86_64', false)).toBe(false);
    expect(sut.hasRoomFor('noarch', true)).toBe(true);
    sut.take('noarch', true);
    expect(sut.hasFreeSlot).toBe(false);
  });

  it('says why a task cannot go to the farm: no executor offers the method, or runs it for the arch', () => {
    const sut = new FarmCapacity(
      [executor({ arches: ['x86_64'], methods: ['buildArch', 'build'], orchestrationSlots: 0 })],
      [],
    );
    expect(sut.unsupported('buildArch', 'x86_64', false)).toBeNull();
    expect(sut.unsupported('createImage', 'x86_64', false)).toEqual({
      reason: 'method',
      message: 'no live koji-farm executor offers method createImage',
    });
    expect(sut.unsupported('buildArch', 'aarch64', false)).toEqual({
      reason: 'arch',
      message: 'no live koji-farm executor runs buildArch for arch aarch64',
    });
    expect(sut.unsupported('build', 'noarch', true)).toMatchObject({ reason: 'method' });
    expect(sut.methods).toEqual(['build', 'buildArch']);
  });
});
