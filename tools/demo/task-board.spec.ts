import { type FarmEvent } from '@koji-farm/contracts';
import { formatDuration, TaskBoard } from './task-board';

const base = { v: 1, id: '00000000-0000-4000-8000-000000000000', at: '2026-01-01T00:00:00.000Z', seq: 1 };
const onExec = { ...base, executorId: 'exec-1', attempt: 1 };
const ev = (e: Record<string, unknown>) => e as unknown as FarmEvent;

describe(TaskBoard.name, () => {
  const sut = () => new TaskBoard((t) => `${t.method} (x.src.rpm, ${t.arch})`);

  it('reports a task tree as koji watch-task does, with each step and its duration', () => {
    const board = sut();
    const lines = [
      ev({
        ...base,
        pollerId: 'p',
        type: 'task.queued',
        taskId: 1,
        method: 'build',
        arch: 'noarch',
        queue: 'q',
        priority: 20,
        weight: 0.2,
        parentId: null,
      }),
      ev({ ...onExec, type: 'task.started', taskId: 1, method: 'build', arch: 'noarch' }),
      ev({
        ...base,
        pollerId: 'p',
        type: 'task.queued',
        taskId: 2,
        method: 'buildArch',
        arch: 'x86_64',
        queue: 'q',
        priority: 20,
        weight: 1.5,
        parentId: 1,
      }),
      ev({
        ...onExec,
        executorId: 'exec-2',
        type: 'task.started',
        taskId: 2,
        method: 'buildArch',
        arch: 'x86_64',
      }),
      ev({ ...onExec, type: 'step.started', taskId: 2, step: 1, kind: 'create', name: 'create container' }),
      ev({
        ...onExec,
        type: 'step.finished',
        taskId: 2,
        step: 1,
        kind: 'create',
        name: 'create container',
        status: 'ok',
        exitCode: null,
        durationMs: 310,
      }),
      ev({
        ...onExec,
        type: 'step.started',
        taskId: 2,
        step: 2,
        kind: 'exec',
        name: 'exec build',
        log: 'build.log',
      }),
      ev({
        ...onExec,
        type: 'step.finished',
        taskId: 2,
        step: 2,
        kind: 'exec',
        name: 'exec build',
        status: 'failed',
        exitCode: 1,
        durationMs: 12_340,
      }),
      ev({
        ...onExec,
        type: 'task.finished',
        taskId: 2,
        state: 'failed',
        durationMs: 13_000,
        error: { faultCode: 1005, name: 'BuildError', message: 'it broke' },
      }),
    ].flatMap((e) => board.apply(e));
    expect(lines).toEqual([
      '1 build (x.src.rpm, noarch): queued',
      '1 build (x.src.rpm, noarch): queued -> running (exec-1)',
      '  2 buildArch (x.src.rpm, x86_64): queued',
      '  2 buildArch (x.src.rpm, x86_64): queued -> running (exec-2)',
      '    2 step 1 create container: ok 0.31s',
      '    2 step 2 exec build ...',
      '    2 step 2 exec build: failed (exit 1) 12.3s',
      '  2 buildArch (x.src.rpm, x86_64): running (exec-2) -> FAILED: BuildError: it broke',
    ]);
    expect(board.task(2)?.failedStep).toEqual({ attempt: 1, step: 2, name: 'exec build', log: 'build.log' });
    expect(board.tree(1).sort()).toEqual([1, 2]);
    expect(board.summary(board.tree(1))).toBe('1 running  1 failed');
    expect(board.isFinal(2)).toBe(true);
    expect(board.isFinal(1)).toBe(false);
  });

  it('shows a requeue and the next attempt', () => {
    const board = sut();
    board.apply(ev({ ...onExec, type: 'task.started', taskId: 5, method: 'buildArch', arch: 'x86_64' }));
    expect(
      board.apply(ev({ ...onExec, type: 'task.finished', taskId: 5, state: 'requeued', durationMs: 5 })),
    ).toEqual(['5 buildArch (x.src.rpm, x86_64): running (exec-1) -> requeued']);
    expect(
      board.apply(
        ev({ ...onExec, attempt: 2, type: 'task.started', taskId: 5, method: 'buildArch', arch: 'x86_64' }),
      ),
    ).toEqual(['5 buildArch (x.src.rpm, x86_64): requeued -> running (exec-1, attempt 2)']);
    expect(board.isFinal(5)).toBe(false);
  });

  it.each([
    [310, '0.31s'],
    [12_340, '12.3s'],
    [123_000, '2m03s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
