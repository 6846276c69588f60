import { join } from 'node:path';
import { TASK_STATES } from '../koji-hub-sim';
import { printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

const EXECUTOR = 'flush-exec';
const POLLER = 'flush-poller';

/**
 * Scenario "Redis flushed mid-build" (issue 17.2): FLUSHALL on the farm's own Redis while
 * two builds run. Before the fix the poller retook the lease with fencing token 1 and an
 * empty in-flight set 1.8 s later, expired the running builds' buildroots, freed their
 * tasks ("no record of") and they were built again as generation 1. Now the poller waits
 * a heartbeat interval after taking the lease, frees nothing and expires nothing an
 * executor's heartbeat claims, and its token goes on rising.
 */
describe('Redis flushed while builds run', () => {
  let farm: ReliabilityFarm;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-flush', redis: 'own' });
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  it('frees no running task, expires no running buildroot, builds each once, and the token does not go back', async () => {
    const srpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-flush', 25);
    const events = await farm.events();
    await farm.startExecutor(EXECUTOR, { SLOTS: '2' });
    const poller = await farm.startPoller(POLLER);
    const ids = farm.submitBuildArch(srpm, 2);
    await Promise.all(
      ids.map((id) =>
        events.waitFor(
          (e) => e.type === 'log.chunk' && e.taskId === id && e.data.includes('kf-tick-flush: tick 2 '),
          240_000,
          `task ${id} building`,
        ),
      ),
    );
    const redis = farm.redisClient();
    try {
      const tokenKey = `${farm.keyPrefix}poller:lease:token`;
      const tokenBefore = Number(await redis.get(tokenKey));
      expect(tokenBefore).toBeGreaterThan(0);
      const pollerSession = farm.tap.calls('host.getHostTasks').at(-1)!.sessionId;
      const callsBefore = farm.tap.records.length;

      await redis.flushall();
      const flushedAt = Date.now();
      await waitUntil(async () => (await redis.get(tokenKey)) !== null, 30_000, 'the poller leads again');
      const retakenMs = Date.now() - flushedAt;
      const tokenAfter = Number(await redis.get(tokenKey));
      expect(tokenAfter).toBeGreaterThan(tokenBefore);
      const claimed = await poller.waitForMessage(
        'an executor runs a task this farm has no record of',
        60_000,
      );
      expect(ids).toContain(claimed.taskId);

      await farm.waitForFinished(ids, 300_000);
      const after = farm.tap.records.slice(callsBefore);
      expect(after.filter((c) => c.method === 'host.freeTasks')).toEqual([]);
      expect(
        after.filter((c) => c.method === 'host.setBuildRootState' && c.sessionId === pollerSession),
      ).toEqual([]);
      for (const id of ids) {
        expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);
        expect(farm.tap.calls('host.closeTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
        expect(farm.tap.calls('host.openTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
      }
      const received = events.events.filter((e) => e.type === 'task.received' && ids.includes(e.taskId));
      expect(received.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 1]);
      const finished = await Promise.all(ids.map((id) => events.finished(id, 60_000)));
      expect(finished.map((e) => [e.state, e.attempt])).toEqual(ids.map(() => ['closed', 1]));

      printFigure(
        'redis-flush',
        `FLUSHALL during 2 builds: 2/2 CLOSED as attempt 1, built once, 0 tasks freed, 0 buildroots expired by the poller, ` +
          `lease retaken ${retakenMs} ms after the flush, fencing token ${tokenBefore} → ${tokenAfter}`,
        { retakenMs, tokenBefore, tokenAfter },
      );
    } finally {
      redis.disconnect();
    }
  }, 600_000);
});
