import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { accepts, freePort } from './free-port';
import { SERVICE_PID_FILE, serviceDir, serviceId } from './service-dirs';
import { waitUntil } from './wait-until';

/**
 * A `redis-server` of a test's own on its own port, without persistence: killing it and
 * starting it again gives an empty Redis on the same address, which is what a Redis that
 * lost its data looks like to the farm.
 */
export class RedisServerProcess {
  private child?: ChildProcess;
  private exited?: Promise<unknown>;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServerProcess> {
    const dir = serviceDir(serviceId('redis'));
    mkdirSync(dir, { recursive: true });
    const server = new RedisServerProcess(await freePort(), dir);
    await server.startProcess();
    return server;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts redis-server (again) on the same port, empty. */
  async startProcess(): Promise<void> {
    if (this.running) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--logfile',
        `${this.dir}/redis.log`,
        '--pidfile',
        join(this.dir, SERVICE_PID_FILE),
      ],
      { cwd: '/', stdio: 'ignore' },
    );
    this.child = child;
    this.exited = once(child, 'exit');
    await waitUntil(() => accepts(this.port), 30_000, `redis-server answers on ${this.port}`, 100);
  }

  /** SIGKILL: the data is gone with it (no persistence). */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Stops the server and removes its directory. Idempotent. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
