import { buildCreateOptions, defaultContainerName } from './build-create-options';
import type { ContainerSpec } from './container-spec';

describe(buildCreateOptions.name, () => {
  const owner = { executorId: 'exec-1', taskId: 42, attempt: 2 };
  const base: ContainerSpec = { image: 'localhost/img:tag', owner };

  it('fills the defaults: sleep infinity, network none, init, no-new-privileges, both ulimits', () => {
    const sut = buildCreateOptions(base, {});
    expect(sut).toEqual({
      name: expect.stringMatching(/^kf-42-2-[0-9a-f]{6}$/),
      Image: 'localhost/img:tag',
      Cmd: ['sleep', 'infinity'],
      Labels: { 'io.koji-farm.executor': 'exec-1', 'io.koji-farm.task': '42', 'io.koji-farm.attempt': '2' },
      HostConfig: {
        NetworkMode: 'none',
        Init: true,
        SecurityOpt: ['no-new-privileges'],
        Ulimits: [
          { Name: 'nofile', Soft: 1024, Hard: 1024 },
          { Name: 'nproc', Soft: 4096, Hard: 4096 },
        ],
      },
    });
  });

  it('maps every field of a full spec', () => {
    const sut = buildCreateOptions(
      {
        ...base,
        name: 'my-box',
        argv: ['/bin/init-thing', '--flag'],
        env: { A: '1', B: 'x=y' },
        workdir: '/builddir',
        user: '1000:1000',
        labels: { 'io.koji-farm.step': 'build' },
        mounts: [
          { source: '/srv/repo', target: '/repo', readOnly: true },
          { source: '/srv/out', target: '/out' },
        ],
        tmpfs: { '/scratch': 'size=1g' },
        network: 'host',
        resources: {
          memoryBytes: 1024,
          cpus: 1.5,
          pidsLimit: 100,
          shmSizeBytes: 2048,
          nofile: { soft: 10, hard: 20 },
          nproc: { soft: 30, hard: 40 },
        },
        security: { capDrop: ['ALL'], capAdd: ['CHOWN'], noNewPrivileges: false, readOnlyRootfs: true },
        init: false,
      },
      { 'io.koji-farm.test': 'true' },
    );
    expect(sut).toEqual({
      name: 'my-box',
      Image: 'localhost/img:tag',
      Cmd: ['/bin/init-thing', '--flag'],
      Env: ['A=1', 'B=x=y'],
      WorkingDir: '/builddir',
      User: '1000:1000',
      Labels: {
        'io.koji-farm.test': 'true',
        'io.koji-farm.step': 'build',
        'io.koji-farm.executor': 'exec-1',
        'io.koji-farm.task': '42',
        'io.koji-farm.attempt': '2',
      },
      HostConfig: {
        NetworkMode: 'host',
        Init: false,
        Memory: 1024,
        MemorySwap: 1024,
        NanoCpus: 1_500_000_000,
        PidsLimit: 100,
        ShmSize: 2048,
        CapDrop: ['ALL'],
        CapAdd: ['CHOWN'],
        ReadonlyRootfs: true,
        Tmpfs: { '/scratch': 'size=1g' },
        Mounts: [
          { Type: 'bind', Source: '/srv/repo', Target: '/repo', ReadOnly: true },
          { Type: 'bind', Source: '/srv/out', Target: '/out', ReadOnly: false },
        ],
        Ulimits: [
          { Name: 'nofile', Soft: 10, Hard: 20 },
          { Name: 'nproc', Soft: 30, Hard: 40 },
        ],
      },
    });
  });

  it('always sends both ulimits, even when the spec gives only one', () => {
    const sut = buildCreateOptions({ ...base, resources: { nproc: { soft: 5, hard: 6 } } }, {});
    expect(sut.HostConfig?.Ulimits).toEqual([
      { Name: 'nofile', Soft: 1024, Hard: 1024 },
      { Name: 'nproc', Soft: 5, Hard: 6 },
    ]);
  });

  it('keeps an explicit swap limit', () => {
    const sut = buildCreateOptions({ ...base, resources: { memoryBytes: 100, memorySwapBytes: -1 } }, {});
    expect(sut.HostConfig).toMatchObject({ Memory: 100, MemorySwap: -1 });
  });

  it('owner labels win over default labels of the same name', () => {
    const sut = buildCreateOptions(base, { 'io.koji-farm.task': 'spoofed' });
    expect(sut.Labels?.['io.koji-farm.task']).toBe('42');
  });
});

describe(defaultContainerName.name, () => {
  it('makes a name Podman accepts from any task id, unique per call', () => {
    const a = defaultContainerName({ owner: { executorId: 'e', taskId: 'weird id/with:chars', attempt: 3 } });
    const b = defaultContainerName({ owner: { executorId: 'e', taskId: 'weird id/with:chars', attempt: 3 } });
    expect(a).toMatch(/^kf-weird_id_with_chars-3-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
  });
});
