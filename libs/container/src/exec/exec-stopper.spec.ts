import type { Container, Exec, ExecInspectInfo } from 'dockerode';

import { PodmanClient } from '../podman-client';
import { ExecStopper } from './exec-stopper';
import type { HostProcessOps } from './host-process-ops';

const CONTAINER_ID = 'c'.repeat(64);

/** Just the Exec/Container methods the stopper calls, scripted per test. */
function fakes(states: Array<Partial<ExecInspectInfo>>) {
  const inspections = [...states];
  const exec = {
    id: 'exec-1',
    inspect: jest.fn(() => Promise.resolve(inspections.length > 1 ? inspections.shift() : inspections[0])),
  };
  const container = { id: CONTAINER_ID, kill: jest.fn(() => Promise.resolve()) };
  return {
    exec: exec as unknown as Exec & typeof exec,
    container: container as unknown as Container & typeof container,
  };
}

function host(overrides: Partial<HostProcessOps> = {}): HostProcessOps & { kill: jest.Mock } {
  return {
    readCgroup: () => Promise.resolve(`0::/libpod_parent/libpod-${CONTAINER_ID}\n`),
    readStat: (pid: number) => Promise.resolve({ state: 'S', pgrp: pid, startTime: 1 }),
    kill: jest.fn(),
    ...overrides,
  } as HostProcessOps & { kill: jest.Mock };
}

describe(ExecStopper.name, () => {
  const client = new PodmanClient({} as never, '/run/podman/podman.sock', 1000);

  it('kills the process group of a running exec whose pid is in the container cgroup', async () => {
    const { exec, container } = fakes([{ Running: true, Pid: 4242 }]);
    const ops = host();
    const sut = new ExecStopper(client, ops);

    await expect(sut.stop(container, exec, () => false)).resolves.toBe('process-group');
    expect(ops.kill).toHaveBeenCalledWith(-4242);
    expect(container.kill).not.toHaveBeenCalled();
  });

  it('kills just the pid when it does not lead its own group', async () => {
    const { exec, container } = fakes([{ Running: true, Pid: 4242 }]);
    const ops = host({ readStat: () => Promise.resolve({ state: 'S', pgrp: 1, startTime: 1 }) });
    await new ExecStopper(client, ops).stop(container, exec, () => false);
    expect(ops.kill).toHaveBeenCalledWith(4242);
  });

  it('never kills a pid that belongs to another cgroup: kills the container instead', async () => {
    const { exec, container } = fakes([{ Running: true, Pid: 4242 }]);
    const ops = host({ readCgroup: () => Promise.resolve('0::/user.slice/some-other-thing\n') });
    const sut = new ExecStopper(client, ops);

    await expect(sut.stop(container, exec, () => false)).resolves.toBe('container');
    expect(ops.kill).not.toHaveBeenCalled();
    expect(container.kill).toHaveBeenCalledWith(expect.objectContaining({ signal: 'SIGKILL' }));
  });

  it('falls back to killing the container when the pid is not visible (other pid namespace)', async () => {
    const { exec, container } = fakes([{ Running: true, Pid: 4242 }]);
    const ops = host({ readCgroup: () => Promise.reject(new Error('ENOENT')) });
    await expect(new ExecStopper(client, ops).stop(container, exec, () => false)).resolves.toBe('container');
  });

  it('does not kill anything when the pid vanished because the exec just finished', async () => {
    const { exec, container } = fakes([
      { Running: true, Pid: 4242 },
      { Running: false, Pid: 0 },
    ]);
    const ops = host({ readCgroup: () => Promise.reject(new Error('ENOENT')) });
    await expect(new ExecStopper(client, ops).stop(container, exec, () => false)).resolves.toBe('finished');
    expect(container.kill).not.toHaveBeenCalled();
  });

  it('treats ESRCH from kill as done and EPERM as a reason to kill the container', async () => {
    const esrch = Object.assign(new Error('gone'), { code: 'ESRCH' });
    const eperm = Object.assign(new Error('denied'), { code: 'EPERM' });
    const a = fakes([{ Running: true, Pid: 1 }]);
    const gone = host({
      kill: jest.fn(() => {
        throw esrch;
      }),
    });
    await expect(new ExecStopper(client, gone).stop(a.container, a.exec, () => false)).resolves.toBe(
      'process-group',
    );
    const b = fakes([{ Running: true, Pid: 1 }]);
    const denied = host({
      kill: jest.fn(() => {
        throw eperm;
      }),
    });
    await expect(new ExecStopper(client, denied).stop(b.container, b.exec, () => false)).resolves.toBe(
      'container',
    );
  });

  it('waits for an exec that is not running yet, and stops as soon as its stream ended', async () => {
    const { exec, container } = fakes([{ Running: false, Pid: 0 }]);
    let finished = false;
    setTimeout(() => (finished = true), 60);
    await expect(new ExecStopper(client, host()).stop(container, exec, () => finished)).resolves.toBe(
      'finished',
    );
    expect(exec.inspect.mock.calls.length).toBeGreaterThan(1);
    expect(container.kill).not.toHaveBeenCalled();
  });

  it('returns at once when the stream already ended', async () => {
    const { exec, container } = fakes([{ Running: true, Pid: 1 }]);
    await expect(new ExecStopper(client, host()).stop(container, exec, () => true)).resolves.toBe('finished');
    expect(exec.inspect).not.toHaveBeenCalled();
  });
});
