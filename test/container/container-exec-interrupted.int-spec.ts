import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CollectingSink,
  ContainerManager,
  ExecInterruptedError,
  PodmanUnavailableError,
  type ContainerHandle,
  type ExecSink,
} from '@koji-farm/container';

import { ContainerTestKit, createTestContainerManager } from '../support/container-test-kit';

/**
 * Restarting the shared API service would disturb everyone else's tests, so this suite
 * starts a private `podman system service` on its own socket (same storage) and kills
 * that one in the middle of an exec: what the executor sees when the service restarts.
 */
describe(`${ContainerManager.name} when the API service dies during an exec`, () => {
  let main: ContainerManager;
  let kit: ContainerTestKit;
  let socketPath: string;
  let sut: ContainerManager;
  const services = new Set<ChildProcess>();

  /** Starts a private API service on `socketPath` and waits until it answers. */
  async function startService(): Promise<ChildProcess> {
    rmSync(socketPath, { force: true });
    const service = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
      stdio: 'ignore',
    });
    services.add(service);
    service.once('exit', () => services.delete(service));
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await sut.ping();
        return service;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async function killService(service: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => service.once('exit', resolve));
    service.kill('SIGKILL');
    await exited;
  }

  /** An exec through the private service whose sink runs `onStarted` once the command printed "started". */
  function execUntilStarted(handle: ContainerHandle, onStarted: () => Promise<void>): Promise<unknown> {
    const collected = new CollectingSink();
    let fired = false;
    const sink: ExecSink = {
      stdout: (chunk) => {
        collected.stdout(chunk);
        if (fired || !collected.stdoutText().includes('started')) return undefined;
        fired = true;
        return onStarted(); // the stream is not read further until this settles
      },
      stderr: (chunk) => collected.stderr(chunk),
    };
    return sut.exec(handle, ['sh', '-c', 'echo started; sleep 600'], sink).catch((e: unknown) => e);
  }

  async function stillSleeping(handle: ContainerHandle): Promise<boolean> {
    const ps = new CollectingSink();
    await main.exec(handle, ['ps', '-eo', 'args='], ps);
    return ps.stdoutText().includes('sleep 600');
  }

  beforeAll(() => {
    socketPath = join(tmpdir(), `kf-podman-${randomUUID()}.sock`);
    sut = createTestContainerManager({ socketPath, apiTimeoutMs: 2000 });
    main = createTestContainerManager();
    kit = new ContainerTestKit(main);
  });
  afterEach(async () => {
    // Also ends kept-alive connections to a service, so the next test talks to its own.
    await Promise.all([...services].map(killService));
    await kit.cleanup();
  });
  afterAll(() => {
    rmSync(socketPath, { force: true });
    sut.close();
    main.close();
  });

  it('stream ended, service back and saying "running": ExecInterruptedError, command left running', async () => {
    const handle = await kit.started();
    const first = await startService();

    const error = await execUntilStarted(handle, async () => {
      await killService(first);
      await startService(); // a restart, as systemd would do
    });

    expect(error).toBeInstanceOf(ExecInterruptedError);
    expect(error).toMatchObject({ retryable: true, step: 'exec', containerId: handle.id });
    // Podman says either "running" or, wrongly, "finished with 0": both must read as interrupted.
    expect((error as Error).message).toMatch(/still (running|runs)/);
    expect(await stillSleeping(handle)).toBe(true);
  });

  it('stream ended and the service stays down: ExecInterruptedError caused by PodmanUnavailableError', async () => {
    const handle = await kit.started();
    const service = await startService();

    const error = await execUntilStarted(handle, () => killService(service));

    expect(error).toBeInstanceOf(ExecInterruptedError);
    expect(error).toMatchObject({ retryable: true, containerId: handle.id });
    expect((error as Error).cause).toBeInstanceOf(PodmanUnavailableError);
    expect(await stillSleeping(handle)).toBe(true);
  });
});
