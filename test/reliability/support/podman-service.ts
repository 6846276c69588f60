import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { SERVICE_PID_FILE, serviceDir, serviceId } from './service-dirs';
import { waitUntil } from './wait-until';

/** GET /_ping on a unix socket: true when the API answers 200. */
function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/**
 * A Podman API service of a test's own (`podman system service` on its own socket path):
 * a test may kill and restart it without touching the machine's service. Both share
 * Podman's storage, so containers made through either are visible to both; containers
 * keep running under conmon while the service is down (podman-setup.md).
 */
export class PodmanService {
  private child?: ChildProcess;
  private exited?: Promise<unknown>;

  private constructor(readonly dir: string) {}

  get socketPath(): string {
    return join(this.dir, 'podman.sock');
  }

  static async start(): Promise<PodmanService> {
    const dir = serviceDir(serviceId('podman'));
    mkdirSync(dir, { recursive: true });
    const service = new PodmanService(dir);
    await service.startProcess();
    return service;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the service (again) on the same socket path and waits for `_ping`. */
  async startProcess(): Promise<void> {
    if (this.running) return;
    // A socket left by a killed service refuses connections; the new service replaces it.
    rmSync(this.socketPath, { force: true });
    const child = spawn('podman', ['system', 'service', '--time=0', `unix://${this.socketPath}`], {
      // From /, so the service never holds a directory that may go away (ADR 0015).
      cwd: '/',
      stdio: 'ignore',
    });
    this.child = child;
    this.exited = once(child, 'exit');
    writeFileSync(join(this.dir, SERVICE_PID_FILE), String(child.pid));
    await waitUntil(() => ping(this.socketPath), 30_000, `Podman's API answers on ${this.socketPath}`, 100);
  }

  /** SIGKILL of the service (the outage); running containers stay up under conmon. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
