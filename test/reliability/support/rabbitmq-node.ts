import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { freePort } from './free-port';
import { serviceDir, serviceId } from './service-dirs';
import { waitUntil } from './wait-until';

const run = promisify(execFile);
const BOOT_TIMEOUT_MS = 90_000;

/** The uid/gid the rabbitmq-server script switches to: the node's directory must be theirs. */
function rabbitmqUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('rabbitmq:'));
  if (!line) throw new Error('no rabbitmq user on this machine: install rabbitmq-server');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid, gid);
    else chownSync(child, uid, gid);
  }
}

/**
 * A RabbitMQ node of a test's own, on its own ports and data directory, so that a test
 * may stop, restart or kill its broker while the machine's node (and every other test)
 * carries on. The recipe is the one in rabbitmq-notes.md: a directory owned by the
 * `rabbitmq` user holding mnesia/, log/, an empty plugins file and a rabbitmq.conf with
 * the listener (RABBITMQ_NODE_PORT alone is overridden by the machine's config file).
 */
export class RabbitNode {
  private constructor(
    readonly nodeName: string,
    readonly port: number,
    private readonly distPort: number,
    readonly dir: string,
  ) {}

  /** `amqp://guest:guest@127.0.0.1:<port>` (guest may log in over loopback). */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RabbitNode> {
    const id = serviceId('rabbit');
    const dir = serviceDir(id);
    const port = await freePort();
    let distPort = await freePort();
    while (distPort === port) distPort = await freePort();
    mkdirSync(join(dir, 'mnesia'), { recursive: true });
    mkdirSync(join(dir, 'log'), { recursive: true });
    writeFileSync(join(dir, 'plugins'), '[].\n');
    writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\n`);
    const { uid, gid } = rabbitmqUser();
    chownTree(dir, uid, gid);
    const node = new RabbitNode(`${id}@localhost`, port, distPort, dir);
    try {
      await node.startNode();
    } catch (err) {
      await node.destroy();
      throw err;
    }
    return node;
  }

  /** Starts the node's Erlang VM (again, after stopNode/kill) with the same data. */
  async startNode(): Promise<void> {
    const dir = this.dir;
    await run('rabbitmq-server', ['-detached'], {
      cwd: '/',
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        RABBITMQ_NODENAME: this.nodeName,
        RABBITMQ_DIST_PORT: String(this.distPort),
        RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dir, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'plugins'),
        RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      },
    });
    await this.waitForAmqp();
  }

  /** `rabbitmqctl stop_app`: every connection is closed, the node stays up; `startApp` resumes. */
  async stopApp(): Promise<void> {
    await this.ctl('stop_app');
  }

  /**
   * `rabbitmqctl start_app`, retried: right after a stop_app the listener's port can still
   * be held for a moment (eaddrinuse), which leaves the node half-started.
   */
  async startApp(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await this.ctl('start_app');
        await this.waitForAmqp();
        return;
      } catch (err) {
        lastError = err;
        await this.ctl('stop_app').catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    throw new Error(`RabbitMQ node ${this.nodeName} did not start its app again`, { cause: lastError });
  }

  /** Stops the whole node (its VM exits); the data directory stays for `startNode`. */
  async stopNode(): Promise<void> {
    await this.ctl('stop');
    await waitUntil(() => this.beamPid() === undefined, 30_000, `node ${this.nodeName} exited`);
  }

  /** SIGKILL of the node's VM: a hard crash. */
  async kill(): Promise<void> {
    const pid = this.beamPid();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    await waitUntil(() => this.beamPid() === undefined, 10_000, `node ${this.nodeName} died`);
  }

  /** `rabbitmqctl -n <node> ...args`, its stdout. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run('rabbitmqctl', ['-n', this.nodeName, ...args], { timeout: 60_000 });
    return stdout;
  }

  /** Queue name → messages ready, unacked, consumers. */
  async queues(): Promise<Map<string, { ready: number; unacked: number; consumers: number }>> {
    const out = await this.ctl(
      '-q',
      'list_queues',
      'name',
      'messages_ready',
      'messages_unacknowledged',
      'consumers',
    );
    const result = new Map<string, { ready: number; unacked: number; consumers: number }>();
    for (const line of out.split('\n').slice(1)) {
      const [name, ready, unacked, consumers] = line.split('\t');
      if (name && ready !== undefined)
        result.set(name, { ready: Number(ready), unacked: Number(unacked), consumers: Number(consumers) });
    }
    return result;
  }

  /** Stops the node (however it is) and removes its directory. Idempotent. */
  async destroy(): Promise<void> {
    if (this.beamPid() !== undefined) {
      await this.ctl('stop').catch(() => undefined);
      await waitUntil(() => this.beamPid() === undefined, 15_000, 'node exit').catch(() => this.kill());
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitForAmqp(): Promise<void> {
    await waitUntil(
      async () => {
        try {
          const connection = await amqplib.connect(this.url);
          await connection.close();
          return true;
        } catch {
          return false;
        }
      },
      BOOT_TIMEOUT_MS,
      `RabbitMQ node ${this.nodeName} accepts AMQP connections on ${this.port}`,
      250,
    );
  }

  /**
   * The pid of this node's beam.smp. Its command line does not name the node (the server
   * script passes it in the environment), so the environment is what tells.
   */
  private beamPid(): number | undefined {
    const wanted = `RABBITMQ_NODENAME=${this.nodeName}\0`;
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('beam.smp')) continue;
        if (!readFileSync(`/proc/${pid}/environ`, 'utf8').includes(wanted)) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // a zombie is gone
        return pid;
      } catch {
        // exited meanwhile
      }
    }
    return undefined;
  }
}
