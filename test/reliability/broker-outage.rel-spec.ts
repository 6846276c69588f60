import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as outage } from 'node:timers/promises';
import { TASK_STATES } from '../koji-hub-sim';
import { printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

const OUTAGES = 3;
const OUTAGE_MS = 20_000;
const TICKS = 200;
const TASKS = 3;

interface TaskDetail {
  state: string;
  attempts: Array<{ attempt: number; state: string; executorId: string | null }>;
  logs: Array<{ attempt: number; name: string; size: number; receivedBytes: number; complete: boolean }>;
}

/** The seqs set in a monitor's seen-bitmap (Redis SETBIT order: bit 0 is the top bit of byte 0). */
function seqsOf(bitmap: Buffer | null): number[] {
  const seqs: number[] = [];
  if (!bitmap) return seqs;
  for (let byte = 0; byte < bitmap.length; byte++)
    for (let bit = 0; bit < 8; bit++) if (bitmap[byte] & (0x80 >> bit)) seqs.push(byte * 8 + bit);
  return seqs;
}

/**
 * Scenario "RabbitMQ stopped for 20 s, three times, while builds run" (issue 14, ADR
 * 0083): the farm's own RabbitMQ node is stopped and started again three times while two
 * executors run three builds. The builds go on through each outage; redeliveries are
 * adopted by the executor running the task or wait for its lease elsewhere (handed back
 * as fresh copies, no delivery counted); events kept while the broker was away are
 * published after it, in order. Every task must close as attempt 1, and the monitor
 * (reading the events stream) must have every event of every task: its seen-bitmap holds
 * seq 1..n without a hole, n being the task.finished it shows, and each build.log is as
 * long as the hub's copy.
 */
describe('RabbitMQ stopped for 20 s three times while builds run', () => {
  let farm: ReliabilityFarm;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-brout', broker: 'own' });
  }, 180_000);

  afterAll(async () => {
    await farm?.stop();
  }, 120_000);

  /** On a failure: what the processes said about the tasks, to tell why. */
  function dumpLogs(taskIds: number[]): void {
    for (const [name, app] of farm.processes) {
      const lines = app.lines
        .filter((l) => taskIds.includes(Number(l.taskId)) || /dead|fail|gave up|limit/i.test(String(l.msg)))
        .slice(-40)
        .map((l) => JSON.stringify(l).slice(0, 400));
      console.log(`--- ${name} (tasks ${taskIds.join(', ')}):\n${lines.join('\n')}`);
    }
  }

  it('finishes every running build as attempt 1 with no event missing from the monitor', async () => {
    const srpm = await buildTickingSrpm(join(farm.sim.dir, 'work'), 'kf-tick-brout', TICKS);
    const events = await farm.events();
    // A short lease wait, so that a redelivery landing on the other executor is handed back
    // (as a copy) several times during a build: a nack would dead-letter it by the 5th.
    const executors = ['brout-a', 'brout-b'];
    for (const id of executors) await farm.startExecutor(id, { SLOTS: '2', TASK_LEASE_WAIT_SECONDS: '5' });
    await farm.startPoller('brout-poller');
    await farm.startMonitor();
    const ids = farm.submitBuildArch(srpm, TASKS);
    await Promise.all(
      ids.map((id) =>
        events.waitFor(
          (e) =>
            e.type === 'log.chunk' &&
            e.taskId === id &&
            e.attempt === 1 &&
            e.data.includes('kf-tick-brout: tick 3 '),
          240_000,
          `task ${id} building`,
        ),
      ),
    );

    const backAfterMs: number[] = [];
    for (let i = 0; i < OUTAGES; i++) {
      await farm.broker!.stopNode();
      await outage(OUTAGE_MS);
      const restart = Date.now();
      await farm.broker!.startNode();
      backAfterMs.push(Date.now() - restart);
      // Every executor is connected again before the next outage.
      for (const id of executors)
        await waitUntil(
          () => farm.process(id).lines.filter((l) => l.msg === 'connected to RabbitMQ').length >= i + 2,
          90_000,
          `${id} connected again after outage ${i + 1}`,
        );
      // Every build went through the first outage at least (later ones may end before).
      const notOpen = ids.filter((id) => farm.taskState(id) !== TASK_STATES.OPEN);
      if (i === 0 && notOpen.length > 0) dumpLogs(notOpen);
      if (i === 0) expect(notOpen).toEqual([]);
    }

    await farm.waitForFinished(ids, 600_000);
    const notClosed = ids.filter((id) => farm.taskState(id) !== TASK_STATES.CLOSED);
    if (notClosed.length > 0) dumpLogs(notClosed);
    for (const id of ids) expect(farm.taskState(id)).toBe(TASK_STATES.CLOSED);

    // The monitor's view: one attempt, closed, and every event of it.
    const redis = farm.redisClient();
    const folded: number[] = [];
    try {
      for (const id of ids) {
        await waitUntil(
          async () => (await farm.rest<TaskDetail>(`/api/v1/tasks/${id}`)).state === 'closed',
          60_000,
          `the monitor shows task ${id} closed`,
        );
        const detail = await farm.rest<TaskDetail>(`/api/v1/tasks/${id}`);
        expect(detail.attempts.map((a) => [a.attempt, a.state])).toEqual([[1, 'closed']]);
        const seqs = seqsOf(await redis.getBuffer(`${farm.keyPrefix}task:${id}:seen:1`));
        expect(seqs.length).toBeGreaterThan(10);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
        folded.push(seqs.length);
        const buildLog = detail.logs.find((l) => l.name === 'build.log' && l.attempt === 1);
        const onHub = statSync(
          join(farm.sim.dir, 'work', 'tasks', String(id % 10000), String(id), 'build.log'),
        );
        expect(buildLog).toMatchObject({ complete: true, size: onHub.size });
      }
    } finally {
      redis.disconnect();
    }

    // Nothing dead-lettered, nothing left behind.
    const dead = (await farm.broker!.queues()).get(farm.names.tasksDeadQueue);
    expect(dead?.ready ?? 0).toBe(0);
    await waitUntil(async () => (await farm.containersOf()).length === 0, 60_000, 'no container is left');

    const said = (text: string) =>
      executors.reduce(
        (n, id) =>
          n + farm.process(id).lines.filter((l) => typeof l.msg === 'string' && l.msg.includes(text)).length,
        0,
      );
    const adopted = said('task message redelivered to the executor running it');
    const handedBack = said('handing its message back to the queue');
    const settledLeftovers = said('dropping its leftover message');
    printFigure(
      'broker-outage',
      `RabbitMQ stopped ${OUTAGES} × ${OUTAGE_MS / 1000} s during ${TASKS} builds on 2 executors: ${TASKS}/${TASKS} CLOSED as attempt 1, ` +
        `0 restarted, events folded by the monitor per task ${folded.join(' / ')} with no seq missing, ` +
        `${adopted} redeliveries adopted, ${handedBack} handed back as copies, ${settledLeftovers} leftovers dropped, 0 dead-lettered; ` +
        `node back ${backAfterMs.join(' / ')} ms after start`,
      { folded, adopted, handedBack, settledLeftovers, backAfterMs },
    );
  }, 900_000);
});
