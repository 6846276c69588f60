import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds an app's bundle (dist/apps/<app>/main.js) unless it is newer than every source
 * it is made of: benchmarks measure the built app, as it runs in production, not swc's
 * compilation of the sources.
 */
export function ensureAppBundle(
  app: 'monitor' | 'executor' | 'hub-poller',
  log: (line: string) => void,
): string {
  const bundle = join(ROOT, `dist/apps/${app}/main.js`);
  const sources = [
    join(ROOT, `apps/${app}/src`),
    ...readdirSync(join(ROOT, 'libs')).map((l) => join(ROOT, 'libs', l, 'src')),
  ];
  const newestSource = Math.max(...sources.map((dir) => newestMtime(dir)));
  let built = 0;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    // not built yet
  }
  if (built < newestSource) {
    log(`building the ${app} (npx nest build ${app})...`);
    execFileSync('npx', ['nest', 'build', app], { cwd: ROOT, stdio: 'inherit' });
  }
  return bundle;
}
