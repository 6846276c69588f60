import { CollectingSink, ContainerManager, type ContainerHandle } from '@koji-farm/container';

import { ContainerTestKit, createTestContainerManager } from '../support/container-test-kit';

const MiB = 1024 * 1024;

/** Resource limits of the spec, checked by inspect and by what a process inside observes. */
describe(`${ContainerManager.name} resource limits`, () => {
  let sut: ContainerManager;
  let kit: ContainerTestKit;

  beforeAll(() => {
    sut = createTestContainerManager();
    kit = new ContainerTestKit(sut);
  });
  afterEach(() => kit.cleanup());
  afterAll(() => sut.close());

  async function sh(handle: ContainerHandle, script: string) {
    const sink = new CollectingSink();
    const result = await sut.exec(handle, ['sh', '-c', script], sink);
    return { exitCode: result.exitCode, stdout: sink.stdoutText(), stderr: sink.stderrText() };
  }

  it('memory: a command needing more is OOM-killed (exit 137); swap defaults to none', async () => {
    const handle = await kit.started({ resources: { memoryBytes: 32 * MiB } });
    const info = await sut.inspect(handle);
    expect(info.HostConfig.Memory).toBe(32 * MiB);
    expect(info.HostConfig.MemorySwap).toBe(32 * MiB);

    // tail keeps a line without newline in memory: 200 MiB of zeros overflows 32 MiB.
    const hog = await sh(handle, 'head -c 200m /dev/zero | tail');
    expect(hog.exitCode).toBe(137);
    const small = await sh(handle, 'head -c 4m /dev/zero | tail | wc -c');
    expect(small).toMatchObject({ exitCode: 0, stdout: `${4 * MiB}\n` });
  }, 30_000);

  it('pids: forking beyond the limit fails inside the container', async () => {
    const handle = await kit.started({ resources: { pidsLimit: 20 } });
    expect((await sut.inspect(handle)).HostConfig.PidsLimit).toBe(20);
    expect((await sh(handle, 'cat /sys/fs/cgroup/pids/pids.max')).stdout).toBe('20\n');

    const forks = await sh(
      handle,
      'i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; echo forked-all',
    );
    expect(forks.exitCode).not.toBe(0);
    expect(forks.stdout).not.toContain('forked-all');
    expect(forks.stderr).toMatch(/fork/i);
  });

  it('cpus, shm size: applied as CFS quota and /dev/shm size', async () => {
    const handle = await kit.started({ resources: { cpus: 0.5, shmSizeBytes: 16 * MiB } });
    const info = await sut.inspect(handle);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.ShmSize).toBe(16 * MiB);
    const seen = await sh(
      handle,
      'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us; df -k /dev/shm | tail -1',
    );
    const [quota, period, shm] = seen.stdout.trim().split('\n');
    expect(Number(quota) / Number(period)).toBe(0.5);
    expect(shm.split(/\s+/)[1]).toBe(String(16 * 1024));
  });

  it('ulimits: both applied exactly to PID 1; an exec may get its nofile soft limit raised to hard (Podman quirk)', async () => {
    const handle = await kit.started({
      resources: { nofile: { soft: 900, hard: 1000 }, nproc: { soft: 700, hard: 800 } },
    });
    const limits = await sh(handle, 'grep -E "Max (open files|processes)" /proc/1/limits /proc/self/limits');
    const line = (proc: string, what: string) =>
      limits.stdout
        .split('\n')
        .find((l) => l.startsWith(`/proc/${proc}/limits:Max ${what}`))
        ?.split(/\s{2,}/)
        .slice(1, 3);
    expect(line('1', 'open files')).toEqual(['900', '1000']);
    expect(line('1', 'processes')).toEqual(['700', '800']);
    // Podman 4.3 gives some execs soft = hard for nofile, others the spec's soft.
    expect(line('self', 'open files')).toEqual([expect.stringMatching(/^(900|1000)$/), '1000']);
    expect(line('self', 'processes')).toEqual(['700', '800']);
  });

  it('ulimits: given nothing, the defaults 1024 and 4096 are sent (Podman would ask for 1048576 and fail)', async () => {
    const handle = await kit.started();
    const info = await sut.inspect(handle);
    expect(info.HostConfig.Ulimits).toEqual(
      expect.arrayContaining([
        { Name: 'RLIMIT_NOFILE', Soft: 1024, Hard: 1024 },
        { Name: 'RLIMIT_NPROC', Soft: 4096, Hard: 4096 },
      ]),
    );
  });
});
