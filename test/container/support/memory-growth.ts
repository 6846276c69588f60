import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

/**
 * How much a ContainerManager operation grows the resident memory of a process that does
 * nothing else (memory-growth-child.ts). A streaming operation grows it by its buffers
 * (a few MB whatever the size); one that holds the payload grows it by the payload.
 */
export async function memoryGrowth(
  socketPath: string,
  containerId: string,
  operation: 'copy-to' | 'exec-output',
  ...args: string[]
): Promise<{ baselineBytes: number; growthBytes: number }> {
  const { stdout } = await run(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      '-r',
      'tsconfig-paths/register',
      '--expose-gc',
      join('test', 'container', 'support', 'memory-growth-child.ts'),
      socketPath,
      containerId,
      operation,
      ...args,
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    baselineBytes: number;
    growthBytes: number;
  };
}
