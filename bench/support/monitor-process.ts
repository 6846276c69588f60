import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ensureAppBundle } from './app-bundle';

const ROOT = join(__dirname, '../..');

/** Builds the monitor bundle unless it is newer than every source it is made of. */
export function ensureMonitorBundle(log: (line: string) => void): string {
  return ensureAppBundle('monitor', log);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The monitor as a separate process, so that its memory is its own. */
export class MonitorProcess {
  private peakRss = 0;
  private phasePeak = 0;
  private sampler?: NodeJS.Timeout;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(bundle: string, env: Record<string, string>): Promise<MonitorProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [bundle], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', MONITOR_PORT: String(port), ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const monitor = new MonitorProcess(child, `http://127.0.0.1:${port}`);
    monitor.sampler = setInterval(() => monitor.sampleRss(), 100);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the monitor exited with ${child.exitCode}`);
      const ready = await fetch(`${monitor.url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return monitor;
      if (Date.now() > deadline) throw new Error('the monitor did not become ready in 60 s');
      await delay(100);
    }
  }

  /** Resident memory now, in bytes (from /proc). */
  rss(): number {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  }

  /** The highest RSS seen since the start. */
  get peak(): number {
    return Math.max(this.peakRss, this.phasePeak);
  }

  /** The highest RSS since the last call (for one phase of the benchmark). */
  takePeak(): number {
    const peak = this.phasePeak;
    this.phasePeak = 0;
    return peak;
  }

  /** Every stream event up to this offset is folded (null: nothing yet). */
  async foldedOffset(): Promise<number | null> {
    const status = (await (await fetch(`${this.url}/api/v1/status`)).json()) as {
      monitor: { foldedOffset: number | null };
    };
    return status.monitor.foldedOffset;
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }

  private sampleRss(): void {
    const rss = this.rss();
    this.peakRss = Math.max(this.peakRss, rss);
    this.phasePeak = Math.max(this.phasePeak, rss);
  }
}
