import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { ProcessExitedError, ProcessWaitTimeoutError } from './errors';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcessOptions {
  /** Names the process in messages and its log file: `executor-1`, `hub-poller`. */
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  /** The whole environment of the process (nothing is inherited). */
  env: Readonly<Record<string, string>>;
  /** Everything the process writes (stdout and stderr) is appended here. */
  logFile: string;
}

/** Lines kept in memory for waits and error messages; the log file has them all. */
const RECENT_LINES = 2000;

/**
 * One process of the farm. It runs in a process group of its own, so a Ctrl-C in the
 * terminal reaches only the launcher, which then stops the farm in order; its output
 * goes to its log file and, line by line, to whoever waits for a line.
 */
export class ManagedProcess {
  readonly exited: Promise<ProcessExit>;
  private readonly recent: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  private readonly log: WriteStream;
  private stopping?: Promise<ProcessExit>;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    mkdirSync(dirname(logFile), { recursive: true });
    this.log = createWriteStream(logFile, { flags: 'a' });
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => this.log.write(chunk));
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.received(line));
    }
    this.exited = new Promise<ProcessExit>((resolve) => {
      // 'close' comes after the last output line, unlike 'exit'.
      child.once('close', (code, signal) => resolve({ code, signal }));
      // A command that cannot start at all: no 'exit' follows.
      child.once('error', (err) => {
        this.received(`${name}: ${err.message}`);
        resolve({ code: null, signal: null });
      });
    }).then(async (exit) => {
      await new Promise<void>((resolve) => this.log.end(resolve));
      return exit;
    });
  }

  static spawn(options: ManagedProcessOptions): ManagedProcess {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: { ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new ManagedProcess(options.name, options.logFile, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  /** Calls `listener` with every line from now on; returns the unsubscribe function. */
  subscribe(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first line (already seen or later) for which `pick` returns a value. */
  async waitFor<T>(
    pick: (line: string) => T | undefined,
    options: { timeoutMs: number; what: string },
  ): Promise<T> {
    for (const line of this.recent) {
      const found = pick(line);
      if (found !== undefined) return found;
    }
    if (!this.running) throw new ProcessExitedError(this.name, options.what, this.tail());
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        if (error) reject(error);
        else resolve(value as T);
      };
      const timer = setTimeout(
        () => finish(new ProcessWaitTimeoutError(this.name, options.what, options.timeoutMs, this.tail())),
        options.timeoutMs,
      );
      const unsubscribe = this.subscribe((line) => {
        const found = pick(line);
        if (found !== undefined) finish(undefined, found);
      });
      void this.exited.then(() => finish(new ProcessExitedError(this.name, options.what, this.tail())));
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`. Safe to call twice. */
  stop(graceMs: number): Promise<ProcessExit> {
    this.stopping ??= (async () => {
      if (!this.running) return this.exited;
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.stopping;
  }

  /** The last `n` lines it wrote. */
  tail(n = 20): string[] {
    return this.recent.slice(-n);
  }

  private received(line: string): void {
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.splice(0, this.recent.length - RECENT_LINES);
    for (const listener of [...this.listeners]) listener(line);
  }
}
