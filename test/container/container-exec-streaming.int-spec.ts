import { createHash } from 'node:crypto';

import { CollectingSink, ContainerManager, discardSink, type ExecSink } from '@koji-farm/container';

import { ContainerTestKit, createTestContainerManager } from '../support/container-test-kit';
import { memoryGrowth } from './support/memory-growth';

const TEN_MB = 10 * 1024 * 1024;

describe(`${ContainerManager.name} exec output streaming`, () => {
  let sut: ContainerManager;
  let kit: ContainerTestKit;

  beforeAll(() => {
    sut = createTestContainerManager();
    kit = new ContainerTestKit(sut);
  });
  afterEach(() => kit.cleanup());
  afterAll(() => sut.close());

  it('streams 10 MB into the sink without loss, chunk by chunk, before the command ends', async () => {
    const handle = await kit.started();
    const prepare = new CollectingSink();
    await sut.exec(
      handle,
      ['sh', '-c', `head -c ${TEN_MB} /dev/urandom > /tmp/blob && sha256sum /tmp/blob`],
      prepare,
    );
    const expectedSha = prepare.stdoutText().split(' ')[0];

    // The command prints 10 MB, then waits for /tmp/go. Only a sink that got every byte
    // while the command still runs can create it: buffered output would never arrive.
    const hash = createHash('sha256');
    let received = 0;
    let chunks = 0;
    let largest = 0;
    let stderr = '';
    let release: Promise<unknown> | undefined;
    const sink: ExecSink = {
      stdout: (chunk) => {
        hash.update(chunk);
        received += chunk.length;
        chunks += 1;
        largest = Math.max(largest, chunk.length);
        if (received === TEN_MB) release = sut.exec(handle, ['touch', '/tmp/go'], discardSink);
      },
      stderr: (chunk) => {
        stderr += chunk.toString();
      },
    };
    const result = await sut.exec(
      handle,
      ['sh', '-c', 'cat /tmp/blob; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo released >&2'],
      sink,
    );
    await release;

    expect(result).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    expect(received).toBe(TEN_MB);
    expect(hash.digest('hex')).toBe(expectedSha);
    expect(stderr).toBe('released\n');
    expect(chunks).toBeGreaterThan(10);
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
  }, 60_000);

  it('does not hold the output: 512 MB of it grow a process by far less', async () => {
    const handle = await kit.started();
    const size = 512 * 1024 * 1024;
    // In a process of its own, so that nothing else it allocates blurs the figure: holding
    // the output would grow it by 512 MB; streaming grows it by its buffers.
    const { growthBytes } = await memoryGrowth(sut.socketPath, handle.id, 'exec-output', String(size));
    expect(growthBytes).toBeLessThan(size / 4);
  }, 120_000);

  it('applies backpressure: a slow async sink still gets every byte in order', async () => {
    const handle = await kit.started();
    const size = 2 * 1024 * 1024;
    let received = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const hash = createHash('sha256');
    const sink: ExecSink = {
      stdout: async (chunk) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const copy = Buffer.from(chunk);
        await new Promise((resolve) => setImmediate(resolve));
        hash.update(copy);
        received += copy.length;
        inFlight -= 1;
      },
      stderr: () => undefined,
    };
    const result = await sut.exec(handle, ['sh', '-c', `head -c ${size} /dev/zero | tr '\\0' 'k'`], sink);

    expect(result.exitCode).toBe(0);
    expect(received).toBe(size);
    expect(maxInFlight).toBe(1);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(Buffer.alloc(size, 'k')).digest('hex'));
  }, 60_000);
});
