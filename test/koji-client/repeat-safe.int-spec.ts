import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ActionNotAllowed,
  closeTaskOnce,
  encodeResponse,
  failTaskOnce,
  KojiClient,
  type HubCall,
} from '@koji-farm/koji';
import { HubSimulator, TASK_STATES } from '../koji-hub-sim';

const HOST = 'builder';
const PASSWORD = 'builder-pw';

/**
 * A settling call whose reply is lost after the hub committed it: the client resends it
 * with the same callnum. A Koji 1.36 hub answers RetryError; a 1.35 hub checks no
 * callnum on header sessions and runs it again, which the task (no longer OPEN)
 * refuses. Either way the call counts as done, once (ADR 0037).
 */
describe.each(['1.35.3', '1.36.0'])('repeat-safe settling calls against a Koji %s hub', (kojiVersion) => {
  let dir: string;
  let sim: HubSimulator;
  let host: KojiClient;
  let call: HubCall;
  const sent: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'koji-repeat-'));
    sim = await HubSimulator.start({ dir, hub: { kojiVersion } });
    sim.admin.addHost({ name: HOST, password: PASSWORD, arches: 'x86_64' });
    host = KojiClient.create({ hubUrl: sim.url, retry: { maxRetries: 3, intervalMs: 10 } });
    await host.login(HOST, PASSWORD);
    await host.exclusiveSession();
    sent.length = 0;
    const take = sim.faults.take.bind(sim.faults);
    jest.spyOn(sim.faults, 'take').mockImplementation((method) => {
      sent.push(method);
      return take(method);
    });
    call = (method, params, kwargs) => host.call(method, params, kwargs);
  });

  afterEach(async () => {
    await host.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function openTask(): Promise<number> {
    const id = sim.admin.makeTask({ method: 'sleep', args: [1], assign: HOST });
    await host.call('host.openTask', [id]);
    return id;
  }

  it('closeTask: the task is CLOSED with the result, and the resend counts as done', async () => {
    const id = await openTask();
    sim.faults.resetConnection({ method: 'host.closeTask', afterCommit: true });
    await expect(closeTaskOnce(call, id, { rpms: ['x.rpm'], n: 2 })).resolves.toBe('already');
    expect(sent.filter((m) => m === 'host.closeTask')).toHaveLength(2);
    expect(sim.admin.task({ id })).toMatchObject({ state: TASK_STATES.CLOSED });
    expect(await host.call('getTaskResult', [id])).toEqual({ rpms: ['x.rpm'], n: 2 });
  });

  it('failTask: the task is FAILED with the fault, and the resend counts as done', async () => {
    const id = await openTask();
    sim.faults.resetConnection({ method: 'host.failTask', afterCommit: true });
    await expect(failTaskOnce(call, id, 1005, 'BuildError: error building package')).resolves.toBe('already');
    expect(sent.filter((m) => m === 'host.failTask')).toHaveLength(2);
    expect(await host.call('getTaskResult', [id], { raise_fault: false })).toEqual({
      faultCode: 1005,
      faultString: 'BuildError: error building package',
    });
  });

  it('closeTask of a task closed with another result is still refused', async () => {
    const id = await openTask();
    await host.call('host.closeTask', [id, encodeResponse('theirs')]);
    await expect(closeTaskOnce(call, id, 'ours')).rejects.toBeInstanceOf(ActionNotAllowed);
  });

  it('closeTask without trouble is done at once', async () => {
    const id = await openTask();
    await expect(closeTaskOnce(call, id, null)).resolves.toBe('done');
    expect(sent.filter((m) => m === 'host.closeTask')).toHaveLength(1);
  });
});
