import { TASK_STATES, BR_STATES } from '../koji-hub-sim';
import { type InProcessExecutor } from './support/in-process-executor';
import { TestFarm } from './support/test-farm';

/**
 * The replies of `host.setBuildRootList` and `host.closeTask` are lost after the hub
 * committed them. The executor's client resends each with the same callnum: a Koji 1.36
 * hub answers RetryError, a 1.35 hub runs it again (the list's UNIQUE key breaks, the
 * task is no longer OPEN). Either way the executor finds the hub already holds what it
 * sent, and the task is built and closed once, on its first attempt (ADR 0037).
 */
describe.each(['1.35.3', '1.36.0'])(
  'buildArch whose hub replies are lost after commit, Koji %s (simulator, RabbitMQ, Podman)',
  (kojiVersion) => {
    let farm: TestFarm;
    let executor: InProcessExecutor;
    const sent: string[] = [];

    beforeAll(async () => {
      farm = await TestFarm.start('exec-repeat');
      farm.sim.admin.setHubOptions({ kojiVersion });
      const take = farm.sim.faults.take.bind(farm.sim.faults);
      jest.spyOn(farm.sim.faults, 'take').mockImplementation((method) => {
        sent.push(method);
        return take(method);
      });
      executor = await farm.startExecutor(`exec-repeat-${kojiVersion}`);
    }, 120_000);

    afterAll(async () => {
      await farm?.stop();
    }, 60_000);

    it('counts the resent setBuildRootList and closeTask as done: CLOSED once, on attempt 1', async () => {
      farm.sim.faults.resetConnection({ method: 'host.setBuildRootList', afterCommit: true });
      farm.sim.faults.resetConnection({ method: 'host.closeTask', afterCommit: true });
      const message = await farm.buildArchTask(farm.seed.srpms.hello);
      await farm.publish(message);

      const finished = await farm.events.finished(message.taskId);
      expect(finished).toMatchObject({ state: 'closed', attempt: 1, executorId: executor.config.executorId });
      expect(sent.filter((m) => m === 'host.setBuildRootList')).toHaveLength(2);
      expect(sent.filter((m) => m === 'host.closeTask')).toHaveLength(2);
      expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.CLOSED);
      expect(await farm.host.taskResult(message.taskId)).toEqual(finished.result);
      const [broot, ...others] = await farm.host.buildroots(message.taskId);
      expect(others).toEqual([]);
      expect(broot.state).toBe(BR_STATES.EXPIRED);
      const listing = await farm.host.client.call<unknown[]>('getBuildrootListing', [broot.id]);
      expect(listing.length).toBeGreaterThan(0);
      expect(farm.events.ofTask(message.taskId).filter((e) => e.type === 'task.started')).toHaveLength(1);
    });
  },
);
