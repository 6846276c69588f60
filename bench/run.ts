// Benchmark dispatcher: `npm run bench -- <name> [args...]` runs bench/<name>.bench.ts;
// without a name it lists the benchmarks. A bench module exports `run(args)` (or a default
// function); resolving to `false` means its goals were not met (exit code 1).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { BenchModule } from './support/bench-module';

const SUFFIX = '.bench.ts';

function available(): string[] {
  return readdirSync(__dirname)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const names = available();
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(
      `usage: npm run bench -- <name> [args...]\n\nbenchmarks:\n${names.map((n) => `  ${n}`).join('\n')}`,
    );
    return;
  }
  if (!names.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${names.join(', ') || '(none)'}`);
    process.exitCode = 2;
    return;
  }
  const mod = (await import(join(__dirname, `${name}${SUFFIX}`))) as Partial<BenchModule>;
  const entry = mod.run ?? mod.default;
  if (typeof entry !== 'function')
    throw new Error(`bench/${name}${SUFFIX} exports neither run(args) nor a default function`);
  if ((await entry(args)) === false) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
