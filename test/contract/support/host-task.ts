import type { KojiClient } from '@koji-farm/koji';
import type { HubUnderTest, TaskSpec } from './hub-under-test';

/** Makes a task and walks it to OPEN on `host`; returns its id and work/-relative upload dir. */
export async function openTaskOn(
  hut: HubUnderTest,
  host: KojiClient,
  spec: TaskSpec,
): Promise<{ id: number; dir: string }> {
  const id = await hut.makeTask(spec);
  const assigned = await hut.checkIn(host);
  if (!assigned.some((t) => t.id === id)) throw new Error(`task ${id} was not assigned to the host`);
  const opened = await host.call('host.openTask', [id]);
  if (opened === null) throw new Error(`task ${id} could not be opened`);
  return { id, dir: `tasks/${id % 10000}/${id}` };
}
