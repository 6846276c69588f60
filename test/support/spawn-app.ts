import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { nodeOptionsFor } from '@koji-farm/config';

export type AppName = 'hub-poller' | 'executor' | 'monitor';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const ROOT = join(__dirname, '..', '..');

export interface SpawnOptions {
  /**
   * `dist` (default): the built app (`npm run build` first); `source`: the TypeScript
   * sources through swc, always the code of the working tree, at the cost of a second or
   * two of compilation and some memory per process.
   */
  from?: 'dist' | 'source';
}

function appCommand(app: AppName, from: 'dist' | 'source'): string[] {
  if (from === 'source')
    return ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register', join('apps', app, 'src', 'main.ts')];
  const main = join(ROOT, 'dist', 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  return [main];
}

/**
 * Runs an app (built: `npm run build` → dist/apps/<app>/main.js, or from source) as a child
 * process with the given environment, and collects its JSON log lines so a test can wait for one. Tests
 * that need a real process (signals, SIGKILL, exit codes) use this; others boot the Nest
 * module in-process.
 */
export class SpawnedApp {
  readonly lines: LogLine[] = [];
  /** Everything the process wrote, raw, for assertions such as "no secret anywhere". */
  readonly raw: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();
  private readonly child: ChildProcess;

  constructor(
    readonly app: AppName,
    env: Record<string, string>,
    options: SpawnOptions = {},
  ) {
    this.child = spawn(process.execPath, appCommand(app, options.from ?? 'dist'), {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LOG_LEVEL: 'debug',
        ...env,
        // As production runs the app (APP_NODE_OPTIONS), then the caller's own options.
        NODE_OPTIONS: nodeOptionsFor(app, env.NODE_OPTIONS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    void this.exited.then(() => this.notify());
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line (seen so far or later) that matches. */
  async waitForLog(
    match: (line: LogLine) => boolean,
    timeoutMs = 30_000,
    what = 'a matching log line',
  ): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (!this.running) throw new Error(`${this.app} exited before ${what}; last lines:\n${this.tail()}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`timed out waiting for ${what} from ${this.app}; last lines:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  waitForMessage(text: string | RegExp, timeoutMs?: number): Promise<LogLine> {
    const test = (msg: string) => (typeof text === 'string' ? msg.includes(text) : text.test(msg));
    return this.waitForLog((l) => typeof l.msg === 'string' && test(l.msg), timeoutMs, `"${String(text)}"`);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then wait for the exit; SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  tail(n = 15): string {
    return this.raw.slice(-n).join('\n');
  }

  private onLine(line: string): void {
    this.raw.push(line);
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (parsed && typeof parsed === 'object') this.lines.push(parsed);
    } catch {
      // not a JSON log line (a crash trace): kept in `raw` only
    }
    this.notify();
  }

  private notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve();
  }
}
