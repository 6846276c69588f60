// Runs once after the integration and end-to-end tiers: no container with the tests'
// label may remain. Leftovers of this run are removed and the run fails, naming them.
import { readFileSync } from 'node:fs';

import { ContainerManager, PodmanUnavailableError, type ContainerSummary } from '../../libs/container/src';
import { TEST_LABEL, TEST_PID_LABEL } from './container-test-kit';

export default async function globalTeardown(): Promise<void> {
  const manager = new ContainerManager({ apiTimeoutMs: 10_000 });
  try {
    let labelled: ContainerSummary[];
    try {
      labelled = await manager.listByLabel({ [TEST_LABEL]: 'true' });
    } catch (err) {
      if (!(err instanceof PodmanUnavailableError)) throw err;
      // No Podman, no container: suites that needed it failed on their own.
      console.warn(`global-teardown: container check skipped: ${err.message}`);
      return;
    }
    const leftovers = labelled.filter((c) => belongsToThisRun(c.labels[TEST_PID_LABEL]));
    const failures: string[] = [];
    for (const c of leftovers) {
      try {
        await manager.remove(c, { force: true });
      } catch (err) {
        failures.push(`${c.name}: ${(err as Error).message}`);
      }
    }
    if (leftovers.length > 0) {
      const names = leftovers.map((c) => `${c.name} (${c.id.slice(0, 12)}, ${c.state})`).join(', ');
      throw new Error(
        `After the suite, ${leftovers.length} container(s) labelled ${TEST_LABEL}=true remained: ${names}. ` +
          (failures.length > 0 ? `Could not remove: ${failures.join('; ')}` : 'They have been removed.'),
      );
    }
  } finally {
    manager.close();
  }
}

/**
 * Ours when made by this process or one of its workers, or by a process that no longer
 * exists (a crashed run); a live process of another jest run is left alone.
 */
function belongsToThisRun(pidLabel: string | undefined): boolean {
  const pid = Number(pidLabel);
  if (pidLabel === undefined || !Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return true;
  const ppid = parentOf(pid);
  return ppid === undefined || ppid === process.pid;
}

/** The parent pid of a live process, undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
