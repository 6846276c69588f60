// Runs one ContainerManager operation in a process of its own and prints, as one JSON
// line, how much the process's resident memory grew while it ran. A jest worker's own
// allocations (other suites' modules, the test framework) cannot blur the figure here.
//
//   node -r @swc-node/register -r tsconfig-paths/register --expose-gc memory-growth-child.ts \
//     <socket> <container id> copy-to <host file> <dest path>
//   ... <socket> <container id> exec-output <bytes>
import { ContainerManager, discardSink } from '@koji-farm/container';

async function main(): Promise<void> {
  const [socketPath, containerId, operation, ...args] = process.argv.slice(2);
  const manager = new ContainerManager({ socketPath });
  const container = { id: containerId };
  // Warm up (modules, the connection pool) so that the baseline holds what any call needs.
  await manager.exec(container, ['true'], discardSink);
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    if (operation === 'copy-to') await manager.copyTo(container, args[0], args[1]);
    else if (operation === 'exec-output') {
      const result = await manager.exec(container, ['head', '-c', args[0], '/dev/zero'], discardSink);
      if (result.exitCode !== 0) throw new Error(`head exited ${result.exitCode}`);
    } else throw new Error(`unknown operation ${operation}`);
  } finally {
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    manager.close();
  }
  process.stdout.write(`${JSON.stringify({ baselineBytes: baseline, growthBytes: peak - baseline })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
