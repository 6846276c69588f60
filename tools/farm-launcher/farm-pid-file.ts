import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

interface PidRecord {
  name: string;
  pid: number;
  /** /proc/<pid>/stat's start time: tells our process from a later one that got the same pid. */
  startTime: string;
}

interface PidFileContent {
  /** The launcher that started the processes: while it runs, they are its farm, not leftovers. */
  owner?: PidRecord;
  processes: PidRecord[];
}

/**
 * Remembers the farm's processes in a file while they run, so that the next launch can
 * stop those a killed launcher (SIGKILL, a closed terminal) left running, and only those:
 * never the processes of a launcher that still runs.
 */
export class FarmPidFile {
  private records: PidRecord[] = [];
  private readonly owner: PidRecord;

  constructor(readonly path: string) {
    this.owner = { name: 'launcher', pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
  }

  add(name: string, pid: number | undefined): void {
    const startTime = pid === undefined ? undefined : processStartTime(pid);
    if (pid === undefined || startTime === undefined) return;
    this.records.push({ name, pid, startTime });
    const content: PidFileContent = { owner: this.owner, processes: this.records };
    writeFileSync(this.path, JSON.stringify(content, null, 2));
  }

  clear(): void {
    this.records = [];
    rmSync(this.path, { force: true });
  }

  /** The pid of the launcher that wrote `path` when it still runs, else undefined. */
  static liveOwner(path: string): number | undefined {
    const owner = readContent(path)?.owner;
    return owner && isAlive(owner) ? owner.pid : undefined;
  }

  /**
   * Stops what an earlier launch recorded and is still running, when that launcher is
   * gone; returns their names. Stops nothing while the launcher runs (see liveOwner).
   */
  static async stopLeftovers(path: string, graceMs = 10_000): Promise<string[]> {
    const content = readContent(path);
    if (!content || (content.owner && isAlive(content.owner))) return [];
    const records = content.processes;
    const alive = () => records.filter(isAlive);
    const leftovers = alive();
    for (const r of leftovers) signal(r.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive().length > 0 && Date.now() < deadline) await delay(100);
    for (const r of alive()) signal(r.pid, 'SIGKILL');
    rmSync(path, { force: true });
    return leftovers.map((r) => `${r.name} (pid ${r.pid})`);
  }
}

function readContent(path: string): PidFileContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as PidFileContent | PidRecord[];
    // Files of earlier versions held the processes only.
    return Array.isArray(parsed) ? { processes: parsed } : parsed;
  } catch {
    return undefined;
  }
}

function isAlive(record: PidRecord): boolean {
  return processStartTime(record.pid) === record.startTime;
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
