import {
  CollectingSink,
  ContainerError,
  ContainerManager,
  type ContainerHandle,
  type ExecSink,
} from '@koji-farm/container';

import { ContainerTestKit, createTestContainerManager } from '../support/container-test-kit';

/** A sink that collects output and calls `onText` with all stdout so far. */
function watchingSink(onText: (stdout: string) => void): CollectingSink {
  const sink = new CollectingSink();
  const stdout = sink.stdout.bind(sink);
  sink.stdout = (chunk: Buffer) => {
    stdout(chunk);
    onText(sink.stdoutText());
  };
  return sink;
}

describe(`${ContainerManager.name} stopping an exec`, () => {
  let sut: ContainerManager;
  let kit: ContainerTestKit;

  beforeAll(() => {
    sut = createTestContainerManager();
    kit = new ContainerTestKit(sut);
  });
  afterEach(() => kit.cleanup());
  afterAll(() => sut.close());

  /** The `sleep 600` processes still alive in the container. */
  async function sleepers(handle: ContainerHandle): Promise<string[]> {
    const sink = new CollectingSink();
    await sut.exec(handle, ['ps', '-eo', 'args='], sink);
    return sink
      .stdoutText()
      .split('\n')
      .filter((line) => line.includes('sleep 600'));
  }

  it('a timeout stops sleep 600 and reports timedOut, not a plain non-zero exit', async () => {
    const handle = await kit.started();
    // Ending at all proves it was stopped (sleep 600 outlasts the test's timeout); how
    // fast is measured by the cancel scenario (docs/reliability.md), not asserted here.
    const result = await sut.exec(handle, ['sleep', '600'], new CollectingSink(), { timeoutMs: 300 });

    expect(result).toMatchObject({ timedOut: true, aborted: false, containerKilled: false, exitCode: 137 });
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
    expect(await sleepers(handle)).toEqual([]);
  });

  it('a timeout kills the children of the command too', async () => {
    const handle = await kit.started();
    const result = await sut.exec(handle, ['sh', '-c', 'sleep 600 & sleep 600'], new CollectingSink(), {
      timeoutMs: 300,
    });

    expect(result.timedOut).toBe(true);
    expect(await sleepers(handle)).toEqual([]);
    // The container itself is untouched and still usable.
    expect((await sut.exec(handle, ['true'], new CollectingSink())).exitCode).toBe(0);
  });

  it('an abort stops the command and its children and reports aborted', async () => {
    const handle = await kit.started();
    const controller = new AbortController();
    let abortedAt = 0;
    const sink = watchingSink((text) => {
      if (text.includes('started') && abortedAt === 0) {
        abortedAt = Date.now();
        controller.abort();
      }
    });
    const result = await sut.exec(handle, ['sh', '-c', 'echo started; sleep 600 & sleep 600'], sink, {
      signal: controller.signal,
      timeoutMs: 60_000,
    });

    expect(abortedAt).toBeGreaterThan(0);
    expect(result).toMatchObject({ aborted: true, timedOut: false, exitCode: 137 });
    expect(await sleepers(handle)).toEqual([]);
  });

  it('an already aborted signal runs nothing', async () => {
    const handle = await kit.started();
    const controller = new AbortController();
    controller.abort();
    const result = await sut.exec(handle, ['touch', '/tmp/ran'], new CollectingSink(), {
      signal: controller.signal,
    });

    expect(result).toMatchObject({ exitCode: null, aborted: true, timedOut: false });
    expect((await sut.exec(handle, ['test', '-e', '/tmp/ran'], new CollectingSink())).exitCode).toBe(1);
  });

  it('a command that ends before its timeout keeps its own result', async () => {
    const handle = await kit.started();
    const controller = new AbortController();
    const result = await sut.exec(handle, ['sh', '-c', 'exit 5'], new CollectingSink(), {
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    controller.abort(); // after the end: changes nothing

    expect(result).toMatchObject({ exitCode: 5, timedOut: false, aborted: false });
  });

  it('a sink that throws kills the command and surfaces as a ContainerError with the cause', async () => {
    const handle = await kit.started();
    const failure = new Error('disk full');
    const sink: ExecSink = {
      stdout: () => {
        throw failure;
      },
      stderr: () => undefined,
    };
    const error = await sut
      .exec(handle, ['sh', '-c', 'echo started; sleep 600'], sink)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ContainerError);
    expect(error).toMatchObject({ step: 'exec', containerId: handle.id, cause: failure });
    expect(await sleepers(handle)).toEqual([]);
  });
});
