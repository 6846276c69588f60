import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * Every service a reliability test starts (RabbitMQ node, redis-server, Podman API
 * service) lives under a directory named `kf-rel-<jest pid>-<id>` and carries that name
 * on its command line, so that leftovers of a test run that died (SIGKILL, a crashed
 * worker) can be found and stopped by the next run: see `reapStaleServices`.
 */
export const SERVICE_DIR_PREFIX = 'kf-rel-';

/** A fresh directory name for one service of this process. */
export function serviceId(kind: string): string {
  return `${SERVICE_DIR_PREFIX}${process.pid}-${kind}-${randomUUID().slice(0, 8)}`;
}

export function serviceDir(id: string): string {
  return join(tmpdir(), id);
}

/** The file in a service's directory that holds its process id. */
export const SERVICE_PID_FILE = 'service.pid';

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pid of the jest process that started a service, read off its id. */
function ownerOf(text: string): number | undefined {
  const match = new RegExp(`${SERVICE_DIR_PREFIX}(\\d+)-`).exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * Kills the processes of services whose owning test process is gone and removes their
 * directories. Services of live test runs (another helper's jest) are left alone.
 */
export function reapStaleServices(): string[] {
  const reaped: string[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cmdline: string;
    try {
      // A RabbitMQ node's VM names its node only in its environment.
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes('beam.smp')) cmdline += ` ${readFileSync(`/proc/${pid}/environ`, 'utf8')}`;
    } catch {
      continue;
    }
    const owner = ownerOf(cmdline);
    if (owner === undefined || alive(owner)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      reaped.push(`${pid}: ${cmdline.slice(0, 120)}`);
    } catch {
      // already gone
    }
  }
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(SERVICE_DIR_PREFIX)) continue;
    const owner = ownerOf(name);
    if (owner === undefined || alive(owner)) continue;
    // redis-server rewrites its command line: its pid file names it.
    const pid = Number(readIfThere(join(tmpdir(), name, SERVICE_PID_FILE)));
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGKILL');
      reaped.push(`${pid}: service of ${name}`);
    }
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  return reaped;
}
