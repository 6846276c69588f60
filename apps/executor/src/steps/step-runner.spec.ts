import { type ContainerHandle, type ContainerManager, type ExecResult } from '@koji-farm/container';
import { type TaskScopedEvent } from '@koji-farm/contracts';
import { silentLogger } from '@koji-farm/observability';
import { type TaskEventStream } from '../events/task-event-stream';
import { TaskCanceledError } from '../tasks/errors/task-canceled.error';
import { StepRunner } from './step-runner';

const handle: ContainerHandle = {
  id: 'a'.repeat(64),
  name: 'kf-1-1-abc',
  image: 'localhost/img:1',
  labels: {},
};

function fakes(exec: Partial<ExecResult> = {}) {
  const events: Array<Record<string, unknown>> = [];
  const stream = { emit: (e: Record<string, unknown>) => events.push(e) } as unknown as TaskEventStream;
  const calls: string[] = [];
  const containers = {
    create: () => {
      calls.push('create');
      return Promise.resolve(handle);
    },
    start: () => {
      calls.push('start');
      return Promise.resolve();
    },
    copyTo: () => {
      calls.push('copyTo');
      return Promise.resolve();
    },
    exec: () => {
      calls.push('exec');
      return Promise.resolve({
        exitCode: 0,
        timedOut: false,
        aborted: false,
        containerKilled: false,
        durationMs: 5,
        ...exec,
      });
    },
    remove: () => {
      calls.push('remove');
      return Promise.resolve(true);
    },
  } as unknown as ContainerManager;
  return { events, stream, calls, containers };
}

const types = (events: Array<Record<string, unknown>>) =>
  events.map((e) => {
    const step = typeof e.step === 'number' ? `#${e.step}` : '';
    const status = typeof e.status === 'string' ? `:${e.status}` : '';
    return `${String(e.type)}${step}${status}`;
  });

describe(StepRunner.name, () => {
  it('wraps each step in step.started/step.finished with increasing numbers and container events', async () => {
    const f = fakes();
    const sut = new StepRunner(f.containers, f.stream, new AbortController().signal, silentLogger);
    await sut.create({ image: 'localhost/img:1', owner: { executorId: 'e', taskId: 1, attempt: 1 } });
    await sut.copyTo(handle, Buffer.from('x'), '/etc/x', 'repo file');
    await sut.exec(
      handle,
      ['true'],
      { stdout: () => undefined, stderr: () => undefined },
      { name: 'exec true', log: 'root.log' },
    );
    await sut.remove(handle);
    expect(types(f.events)).toEqual([
      'step.started#1',
      'container.created',
      'container.started',
      'step.finished#1:ok',
      'step.started#2',
      'step.finished#2:ok',
      'step.started#3',
      'step.finished#3:ok',
      'step.started#4',
      'container.removed',
      'step.finished#4:ok',
    ]);
    expect(f.calls).toEqual(['create', 'start', 'copyTo', 'exec', 'remove']);
    const execStarted = f.events[6] as Partial<TaskScopedEvent> & { argv?: string[]; log?: string };
    expect(execStarted).toMatchObject({ kind: 'exec', name: 'exec true', argv: ['true'], log: 'root.log' });
  });

  it('reports a non-zero exit, a timeout and an error as the step status', async () => {
    const failed = fakes({ exitCode: 1 });
    const sut = new StepRunner(failed.containers, failed.stream, new AbortController().signal, silentLogger);
    await sut.exec(
      handle,
      ['false'],
      { stdout: () => undefined, stderr: () => undefined },
      { name: 'exec false' },
    );
    expect(failed.events.at(-1)).toMatchObject({ status: 'failed', exitCode: 1 });

    const timedOut = fakes({ exitCode: 137, timedOut: true });
    const sut2 = new StepRunner(
      timedOut.containers,
      timedOut.stream,
      new AbortController().signal,
      silentLogger,
    );
    await sut2.exec(
      handle,
      ['sleep', '9'],
      { stdout: () => undefined, stderr: () => undefined },
      { name: 'exec sleep' },
    );
    expect(timedOut.events.at(-1)).toMatchObject({ status: 'timeout', exitCode: null });

    const broken = fakes();
    (broken.containers as unknown as { copyTo: () => Promise<void> }).copyTo = () =>
      Promise.reject(new Error('disk full'));
    const sut3 = new StepRunner(broken.containers, broken.stream, new AbortController().signal, silentLogger);
    await expect(sut3.copyTo(handle, Buffer.from('x'), '/x', 'SRPM')).rejects.toThrow('disk full');
    expect(broken.events.at(-1)).toMatchObject({
      type: 'step.finished',
      status: 'failed',
      error: 'disk full',
    });
  });

  it('starts no step once the task is aborted, but still removes', async () => {
    const f = fakes();
    const controller = new AbortController();
    controller.abort(new TaskCanceledError('canceled'));
    const sut = new StepRunner(f.containers, f.stream, controller.signal, silentLogger);
    await expect(sut.copyTo(handle, Buffer.from('x'), '/x', 'SRPM')).rejects.toBeInstanceOf(
      TaskCanceledError,
    );
    await sut.remove(handle);
    expect(f.calls).toEqual(['remove']);
  });

  it('removes its container as soon as the task is aborted, while the exec still runs, and only once', async () => {
    const f = fakes();
    let containerGone!: () => void;
    const gone = new Promise<void>((resolve) => (containerGone = resolve));
    const removals: string[] = [];
    Object.assign(f.containers, {
      // The exec ends only when its container goes (as a build's rpmbuild under a cancel).
      exec: () =>
        gone.then(() => {
          f.calls.push('exec ended');
          return { exitCode: null, timedOut: false, aborted: true, containerKilled: true, durationMs: 9 };
        }),
      remove: (h: ContainerHandle, options: { force?: boolean }) => {
        removals.push(`${h.id.slice(0, 4)} force=${String(options.force)}`);
        f.calls.push('remove');
        containerGone();
        return Promise.resolve(true);
      },
    });
    const controller = new AbortController();
    const sut = new StepRunner(f.containers, f.stream, controller.signal, silentLogger);
    const made = await sut.create({
      image: 'localhost/img:1',
      owner: { executorId: 'e', taskId: 1, attempt: 1 },
    });
    const build = sut.exec(
      made,
      ['rpmbuild'],
      { stdout: () => undefined, stderr: () => undefined },
      {
        name: 'exec rpmbuild',
      },
    );

    controller.abort(new TaskCanceledError('canceled on the hub'));
    await expect(build).resolves.toMatchObject({ aborted: true });
    await sut.remove(made);

    expect(f.calls).toEqual(['create', 'start', 'remove', 'exec ended']);
    expect(removals).toEqual(['aaaa force=true']);
    expect(f.events.filter((e) => e.type === 'container.removed')).toEqual([
      expect.objectContaining({ containerId: handle.id, kept: false }),
    ]);
  });

  it('removes a container that Podman finished creating after the abort', async () => {
    const f = fakes();
    const controller = new AbortController();
    Object.assign(f.containers, {
      create: () => {
        f.calls.push('create');
        controller.abort(new TaskCanceledError('canceled on the hub'));
        return Promise.resolve(handle);
      },
    });
    const sut = new StepRunner(f.containers, f.stream, controller.signal, silentLogger);
    await sut
      .create({ image: 'localhost/img:1', owner: { executorId: 'e', taskId: 1, attempt: 1 } })
      .catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(f.calls.slice(0, 2)).toEqual(['create', 'remove']);
  });

  it('tries the removal again at the remove step when the one at the abort failed', async () => {
    const f = fakes();
    let tries = 0;
    Object.assign(f.containers, {
      remove: () => {
        f.calls.push('remove');
        tries++;
        return tries === 1 ? Promise.reject(new Error('no answer within 30000 ms')) : Promise.resolve(true);
      },
    });
    const controller = new AbortController();
    const sut = new StepRunner(f.containers, f.stream, controller.signal, silentLogger);
    const made = await sut.create({
      image: 'localhost/img:1',
      owner: { executorId: 'e', taskId: 1, attempt: 1 },
    });
    controller.abort(new TaskCanceledError('canceled on the hub'));
    await sut.remove(made, true);
    expect(f.calls).toEqual(['create', 'start', 'remove', 'remove']);
    expect(f.events.at(-2)).toMatchObject({ type: 'container.removed', kept: false });
  });

  it('keeps a container on request and says so', async () => {
    const f = fakes();
    const sut = new StepRunner(f.containers, f.stream, new AbortController().signal, silentLogger);
    await sut.remove(handle, true);
    expect(f.calls).toEqual([]);
    expect(f.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'container.removed', kept: true })]),
    );
  });
});
