import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ContainerManager,
  DEFAULT_PODMAN_SOCKET,
  PodmanUnavailableError,
  VERSION_CACHE_MS,
} from '@koji-farm/container';

import { createTestContainerManager, TEST_IMAGE, testOwner } from '../support/container-test-kit';

describe(`${ContainerManager.name} API socket`, () => {
  const paths: string[] = [];
  const tempSocket = (): string => {
    const path = join(tmpdir(), `kf-sock-${randomUUID()}.sock`);
    paths.push(path);
    return path;
  };
  afterAll(() => paths.forEach((p) => rmSync(p, { force: true })));

  // How fast it fails is the container benchmark's business; here: that it fails, and how.
  async function expectUnavailable(call: Promise<unknown>, socketPath: string) {
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodmanUnavailableError);
    expect(error).toMatchObject({ retryable: true, socketPath });
    expect((error as Error).message).toContain(socketPath);
    return error as PodmanUnavailableError;
  }

  it('uses the default socket unless told otherwise, and that one answers', async () => {
    const sut = createTestContainerManager();
    expect(sut.socketPath).toBe(DEFAULT_PODMAN_SOCKET);
    await expect(sut.ping()).resolves.toBeUndefined();
    sut.close();
  });

  it("reports Podman's version, API version, kernel and parts as the API says them", async () => {
    const sut = createTestContainerManager();
    const version = await sut.version();
    sut.close();
    expect(version.version).toMatch(/^\d+\.\d+/);
    expect(version.apiVersion).toMatch(/^\d+\.\d+/);
    expect(version.kernelVersion).not.toBe('');
    expect(version.platform).toMatch(/^linux\//);
    expect(version.components).toContainEqual({ name: 'Podman Engine', version: version.version });
    for (const c of version.components) expect(c.version).not.toContain('\n');
  });

  it("asks Podman's /version once, then again in the background once a minute; a failure is not kept", async () => {
    const sut = createTestContainerManager();
    const docker = (sut as unknown as { client: { docker: { version: () => Promise<unknown> } } }).client
      .docker;
    const asked = jest.spyOn(docker, 'version');
    try {
      asked.mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
      await expect(sut.version()).rejects.toThrow();
      const [first, second] = await Promise.all([sut.version(), sut.version()]);
      expect(await sut.version()).toEqual(first);
      expect(second).toEqual(first);
      expect(asked).toHaveBeenCalledTimes(2);

      // A minute later: the caller gets the last answer at once, a new one is asked for.
      let answered!: () => void;
      const answer = new Promise<void>((resolve) => (answered = resolve));
      asked.mockImplementationOnce(() => {
        answered();
        return Promise.resolve({ Version: 'x' });
      });
      const later = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + VERSION_CACHE_MS + 1);
      try {
        expect(await sut.version()).toEqual(first);
        await answer;
        expect(asked).toHaveBeenCalledTimes(3);
        await new Promise((resolve) => setImmediate(resolve));
        expect((await sut.version()).version).toBe('x');
        expect(asked).toHaveBeenCalledTimes(3);
      } finally {
        later.mockRestore();
      }
    } finally {
      sut.close();
    }
  });

  it('a path with no socket fails with a retryable error naming the path', async () => {
    const socketPath = tempSocket();
    const sut = createTestContainerManager({ socketPath });
    expect(sut.socketPath).toBe(socketPath);

    const error = await expectUnavailable(sut.ping(), socketPath);
    expect(error.message).toContain('no socket at this path');
    await expectUnavailable(sut.version(), socketPath);
    await expectUnavailable(sut.create({ image: TEST_IMAGE, owner: testOwner() }), socketPath);
    sut.close();
  });

  it('a stale socket left by a killed service fails with a retryable ECONNREFUSED', async () => {
    const socketPath = tempSocket();
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socketPath)})`,
    ]);
    const deadline = Date.now() + 5000;
    while (!existsSync(socketPath)) {
      if (Date.now() > deadline) throw new Error('helper server did not create its socket');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const sut = createTestContainerManager({ socketPath });
    const error = await expectUnavailable(sut.ping(), socketPath);
    expect(error.message).toContain('ECONNREFUSED');
    sut.close();
  });

  it('a socket that accepts but never answers fails after apiTimeoutMs instead of hanging', async () => {
    const socketPath = tempSocket();
    const held: Socket[] = [];
    const server: Server = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const sut = createTestContainerManager({ socketPath, apiTimeoutMs: 300 });
    try {
      const error = await expectUnavailable(sut.listByLabel({ 'io.koji-farm.test': 'true' }), socketPath);
      expect(error.message).toContain('no answer within 300 ms');
    } finally {
      sut.close();
      held.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
