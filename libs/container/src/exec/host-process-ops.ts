import { readFile } from 'node:fs/promises';

/** What `/proc/<pid>/stat` tells about a process. */
export interface ProcessStat {
  /** One letter: R running, S sleeping, Z zombie, X dead, ... */
  state: string;
  /** Process group id. */
  pgrp: number;
  /** Start time in clock ticks since boot: with the pid, identifies one process (pids are reused). */
  startTime: number;
}

/**
 * The host-side process operations used to watch and stop an exec's process (the API has
 * neither). Replaced in unit tests. Every read rejects when the pid is not visible here
 * (gone, or the executor runs in another pid namespace).
 */
export interface HostProcessOps {
  /** Contents of `/proc/<pid>/cgroup`. */
  readCgroup(pid: number): Promise<string>;
  readStat(pid: number): Promise<ProcessStat>;
  /** `kill(pid, SIGKILL)`; a negative pid is a process group. Throws like `process.kill`. */
  kill(pid: number): void;
}

export const procHostProcessOps: HostProcessOps = {
  readCgroup: (pid) => readFile(`/proc/${pid}/cgroup`, 'utf8'),
  readStat: async (pid) => parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8')),
  kill: (pid) => process.kill(pid, 'SIGKILL'),
};

/** Parses `/proc/<pid>/stat`: "pid (comm) state ppid pgrp ...", comm may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcessStat {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', pgrp: Number(fields[2]), startTime: Number(fields[19]) };
}

/** One exec'd process seen on the host: its pid and start time. */
export interface HostProcess {
  pid: number;
  startTime: number;
}

/**
 * The host process of `pid` if it is visible here and belongs to the container (its
 * cgroup path names the container's id); undefined otherwise.
 */
export async function findContainerProcess(
  ops: HostProcessOps,
  pid: number,
  containerId: string,
): Promise<(HostProcess & ProcessStat) | undefined> {
  try {
    const [cgroup, stat] = await Promise.all([ops.readCgroup(pid), ops.readStat(pid)]);
    return cgroup.includes(containerId) ? { pid, ...stat } : undefined;
  } catch {
    return undefined;
  }
}

/** True while that very process (same pid and start time) exists and has not exited. */
export async function isStillRunning(ops: HostProcessOps, process: HostProcess): Promise<boolean> {
  try {
    const stat = await ops.readStat(process.pid);
    return stat.startTime === process.startTime && stat.state !== 'Z' && stat.state !== 'X';
  } catch {
    return false;
  }
}
