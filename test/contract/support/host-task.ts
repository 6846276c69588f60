import type { KojiClient } from '@koji-farm/koji';
import type { HubUnderTest, TaskSpec } from './hub-under-test';

/** Makes a task, checks the host in until it is assigned, opens it; returns its id and work/-relative upload dir. */
export async function openTaskOn(
  hut: HubUnderTest,
  host: KojiClient,
  spec: TaskSpec,
): Promise<{ id: number; dir: string }> {
  const id = await hut.makeTask(spec);
  await hut.checkIn(host, id);
  const opened = await host.call('host.openTask', [id]);
  if (opened === null) throw new Error(`task ${id} could not be opened`);
  return { id, dir: `tasks/${id % 10000}/${id}` };
}
