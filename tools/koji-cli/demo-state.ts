import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type SeedFacts } from '../farm-launcher';

/**
 * Written by a running `npm run demo` (simulator mode) into its run dir
 * (`.tmp/<namespace>/`), read by `npm run koji` (`--farm <namespace>`, default demo).
 */
export function demoStateFile(namespace = 'demo'): string {
  return join(REPO_ROOT, '.tmp', namespace, 'farm.json');
}

export interface DemoState {
  /** The demo's process: the state is stale once it is gone. */
  pid: number;
  hub: { url: string; topurl: string };
  /** The simulator's seeded admin (a demo login, not a secret of any real hub). */
  admin: { user: string; password: string };
  monitorUrl: string;
  seed?: SeedFacts;
}

/** The running demo's farm, or undefined when no demo runs. */
export function readDemoState(path = demoStateFile()): DemoState | undefined {
  let state: DemoState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as DemoState;
  } catch {
    return undefined;
  }
  try {
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}
