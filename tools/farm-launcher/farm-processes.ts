import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nodeOptionsFor } from '@koji-farm/config';
import { ManagedProcess } from './managed-process';
import { type SimulatorHubSpec } from './farm-spec';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export type AppName = 'hub-poller' | 'executor' | 'monitor';

/** The JSON object of a pino log line, or undefined for other output. */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `msg` of a pino line when it matches `test`. */
export function logMessage(line: string, test: (msg: string) => boolean): string | undefined {
  const msg = jsonLine(line)?.msg;
  return typeof msg === 'string' && test(msg) ? msg : undefined;
}

/** Only what a process needs from the launcher's own environment: where the tools are. */
function baseEnvironment(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
}

export function appBundle(app: AppName): string {
  return join(REPO_ROOT, 'dist', 'apps', app, 'main.js');
}

/** One built app (`npm run build` → dist/apps/<app>/main.js) as its own process. */
export function spawnApp(
  app: AppName,
  name: string,
  env: Record<string, string>,
  logDir: string,
  nodeOptions?: string,
): ManagedProcess {
  const bundle = appBundle(app);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first`);
  return ManagedProcess.spawn({
    name,
    command: process.execPath,
    args: [bundle],
    cwd: REPO_ROOT,
    // As production runs the app (APP_NODE_OPTIONS), then the launcher's own options.
    env: { ...baseEnvironment(), ...env, NODE_OPTIONS: nodeOptionsFor(app, env.NODE_OPTIONS ?? nodeOptions) },
    logFile: join(logDir, `${name}.log`),
  });
}

/** Resolves once the app logged `<app> started` (bootstrapApp's last line of a good boot). */
export async function appStarted(process: ManagedProcess, app: AppName, timeoutMs: number): Promise<void> {
  await process.waitFor((line) => logMessage(line, (m) => m.startsWith(`${app} started`)), {
    timeoutMs,
    what: `"${app} started"`,
  });
}

export interface SimulatorFacts {
  url: string;
  topurl: string;
  /** `<base>/sim/admin/` (POST `<op>` with JSON). */
  adminUrl: string;
  /** What `--seed` made; absent without it. */
  seed?: SeedFacts;
}

/** The fields of test/koji-hub-sim's SeedResult the launcher's users need. */
export interface SeedFacts {
  buildTag: string;
  destTag: string;
  target: string;
  repoId: number;
  srpms: Record<string, string>;
  fixturesDir: string;
}

/**
 * The bundled Koji hub simulator (`npm run hub-sim`) as its own process, on loopback.
 * Seeding builds the fixture RPMs on first use (cached), so the wait is generous.
 */
export async function startSimulator(
  spec: SimulatorHubSpec,
  dir: string,
  logDir: string,
  timeoutMs: number,
  track: (process: ManagedProcess) => ManagedProcess = (p) => p,
): Promise<{ process: ManagedProcess; facts: SimulatorFacts }> {
  const args = [
    '-r',
    '@swc-node/register',
    '-r',
    'tsconfig-paths/register',
    join('test', 'koji-hub-sim', 'main.ts'),
    '--dir',
    dir,
    '--port',
    String(spec.port ?? 0),
    '--log-level',
    'info',
  ];
  if (spec.seed) args.push('--seed');
  if (spec.fixturesDir) args.push('--fixtures', spec.fixturesDir);
  if (spec.runIntervalMs !== undefined) args.push('--run-interval-ms', String(spec.runIntervalMs));
  const sim = track(
    ManagedProcess.spawn({
      name: 'hub-simulator',
      command: process.execPath,
      args,
      cwd: REPO_ROOT,
      env: baseEnvironment(),
      logFile: join(logDir, 'hub-simulator.log'),
    }),
  );
  try {
    const listening = await sim.waitFor(
      (line) => {
        const json = jsonLine(line);
        return json?.msg === 'koji hub simulator listening' ? json : undefined;
      },
      { timeoutMs, what: 'the simulator listening' },
    );
    const facts: SimulatorFacts = {
      url: String(listening.url),
      topurl: String(listening.topurl),
      adminUrl: String(listening.admin),
    };
    if (spec.seed) {
      // Logged before "listening", so already in the recent lines.
      facts.seed = await sim.waitFor(
        (line) => {
          const json = jsonLine(line);
          return json?.msg === 'seeded' ? (json as unknown as SeedFacts) : undefined;
        },
        { timeoutMs: 1000, what: 'the seed result' },
      );
    }
    return { process: sim, facts };
  } catch (err) {
    await sim.stop(5000);
    throw err;
  }
}
