import {
  findContainerProcess,
  isStillRunning,
  parseProcStat,
  procHostProcessOps,
  type HostProcessOps,
} from './host-process-ops';

describe(parseProcStat.name, () => {
  it('reads state, process group and start time, even with spaces and parentheses in the name', () => {
    const line = '4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200';
    expect(parseProcStat(line)).toEqual({ state: 'S', pgrp: 4242, startTime: 987654 });
  });

  it('parses this very process', async () => {
    const stat = await procHostProcessOps.readStat(process.pid);
    expect(stat.state).toMatch(/^[RS]$/);
    expect(stat.startTime).toBeGreaterThan(0);
  });
});

describe(isStillRunning.name, () => {
  const ops = (stat: { state: string; startTime: number } | Error): HostProcessOps => ({
    readCgroup: () => Promise.resolve(''),
    readStat: () => (stat instanceof Error ? Promise.reject(stat) : Promise.resolve({ ...stat, pgrp: 1 })),
    kill: () => undefined,
  });

  it('is true only for the same, not yet exited process', async () => {
    const proc = { pid: 10, startTime: 500 };
    expect(await isStillRunning(ops({ state: 'S', startTime: 500 }), proc)).toBe(true);
    expect(await isStillRunning(ops({ state: 'Z', startTime: 500 }), proc)).toBe(false);
    expect(await isStillRunning(ops({ state: 'S', startTime: 501 }), proc)).toBe(false); // pid reused
    expect(await isStillRunning(ops(new Error('ENOENT')), proc)).toBe(false);
  });
});

describe(findContainerProcess.name, () => {
  it("finds a process only in the container's cgroup", async () => {
    const ops: HostProcessOps = {
      readCgroup: () => Promise.resolve('0::/libpod_parent/libpod-abc123\n'),
      readStat: () => Promise.resolve({ state: 'S', pgrp: 7, startTime: 9 }),
      kill: () => undefined,
    };
    expect(await findContainerProcess(ops, 7, 'abc123')).toEqual({
      pid: 7,
      state: 'S',
      pgrp: 7,
      startTime: 9,
    });
    expect(await findContainerProcess(ops, 7, 'other')).toBeUndefined();
  });
});
