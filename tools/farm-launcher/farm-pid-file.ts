import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

interface PidRecord {
  name: string;
  pid: number;
  /** /proc/<pid>/stat's start time: tells our process from a later one that got the same pid. */
  startTime: string;
}

/**
 * Remembers the farm's processes in a file while they run, so that the next launch can
 * stop those a killed launcher (SIGKILL, a closed terminal) left running, and only those.
 */
export class FarmPidFile {
  private records: PidRecord[] = [];

  constructor(readonly path: string) {}

  add(name: string, pid: number | undefined): void {
    const startTime = pid === undefined ? undefined : processStartTime(pid);
    if (pid === undefined || startTime === undefined) return;
    this.records.push({ name, pid, startTime });
    writeFileSync(this.path, JSON.stringify(this.records, null, 2));
  }

  clear(): void {
    this.records = [];
    rmSync(this.path, { force: true });
  }

  /** Stops what an earlier launch recorded and is still running; returns their names. */
  static async stopLeftovers(path: string, graceMs = 10_000): Promise<string[]> {
    let records: PidRecord[];
    try {
      records = JSON.parse(readFileSync(path, 'utf8')) as PidRecord[];
    } catch {
      return [];
    }
    const alive = () => records.filter((r) => processStartTime(r.pid) === r.startTime);
    const leftovers = alive();
    for (const r of leftovers) signal(r.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive().length > 0 && Date.now() < deadline) await delay(100);
    for (const r of alive()) signal(r.pid, 'SIGKILL');
    rmSync(path, { force: true });
    return leftovers.map((r) => `${r.name} (pid ${r.pid})`);
  }
}

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
