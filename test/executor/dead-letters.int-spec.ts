import { HEADERS } from '@koji-farm/contracts';
import { TASK_STATES } from '../koji-hub-sim';
import { TestFarm } from './support/test-farm';

const DELIVERY_LIMIT = 2;

describe('executor dead letters (simulator, RabbitMQ)', () => {
  let farm: TestFarm;

  beforeAll(async () => {
    farm = await TestFarm.start('exec-dead');
    await farm.startExecutor('exec-dead-1', { DELIVERY_LIMIT: String(DELIVERY_LIMIT) });
  }, 120_000);

  afterAll(async () => {
    await farm?.stop();
  }, 60_000);

  it('dead-letters malformed messages at once with the reason, and goes on working', async () => {
    await farm.publish(Buffer.from('{this is not json'));
    await farm.publish({ v: 1, taskId: 99, method: 'buildArch', session: { id: 1, key: 'k-secret-99' } });
    const valid = await farm.buildArchTask(farm.seed.srpms.hello);
    await farm.publish({ ...valid, method: 'createLiveCD' });

    let dead: Array<{ headers: Record<string, unknown>; body: string }> = [];
    await farm.until(
      async () => {
        dead = [...dead, ...(await farm.deadLetters())];
        return dead.length >= 3;
      },
      15_000,
      'three dead letters',
    );
    const reasons = dead.map((d) => String(d.headers[HEADERS.deadReason]));
    expect(reasons[0]).toMatch(/^task message is not JSON/);
    expect(reasons[1]).toMatch(/does not match the task message schema v1/);
    expect(reasons[1]).toContain('arch');
    expect(reasons[1]).not.toContain('k-secret-99');
    expect(reasons[2]).toMatch(/no handler for method createLiveCD/);
    expect(dead.every((d) => d.headers[HEADERS.deadFromQueue] === farm.names.taskQueue('x86_64'))).toBe(true);
    expect(dead[0].body).toBe('{this is not json');
    // Still alive: heartbeats go on.
    const seen = farm.events.events.length;
    await farm.events.waitFor(
      (e) => e.type === 'executor.heartbeat' && farm.events.events.indexOf(e) >= seen,
      60_000,
    );
  }, 60_000);

  it('fails a task on the hub after the delivery limit of infrastructure failures, and dead-letters it marked as failed', async () => {
    // The hub's proxy answers 503 to every newBuildRoot: each attempt fails for an
    // infrastructure reason once the client's resends are spent. (An executor that cannot
    // reach Podman takes no task at all, ADR 0075.)
    farm.sim.faults.httpStatus(503, { times: 1000, method: 'host.newBuildRoot' });
    const message = await farm.buildArchTask(farm.seed.srpms.hello);
    await farm.publish(message);
    const last = await farm.events.finished(message.taskId, 60_000, DELIVERY_LIMIT + 1);
    farm.sim.faults.clear();
    expect(last).toMatchObject({ state: 'failed', error: { faultCode: 1 } });
    const earlier = farm.events
      .ofTask(message.taskId)
      .filter((e) => e.type === 'task.finished' && e.attempt <= DELIVERY_LIMIT);
    expect(earlier.map((e) => (e as { state: string }).state)).toEqual(['requeued', 'requeued']);

    expect((await farm.host.taskInfo(message.taskId)).state).toBe(TASK_STATES.FAILED);
    const fault = await farm.host.taskResult(message.taskId).then(
      () => undefined,
      (err: { faultCode: number; faultString: string }) => err,
    );
    expect(fault?.faultCode).toBe(1);
    expect(fault?.faultString).toContain(
      `koji-farm gave up after ${DELIVERY_LIMIT + 1} attempts (delivery limit ${DELIVERY_LIMIT})`,
    );
    expect(fault?.faultString).toContain('answered HTTP 503');

    let dead: Array<{ headers: Record<string, unknown>; body: string }> = [];
    await farm.until(
      async () => {
        dead = [...dead, ...(await farm.deadLetters())];
        return dead.length > 0;
      },
      60_000,
      'the dead letter',
    );
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0].body)).toMatchObject({ taskId: message.taskId });
    expect(dead[0].headers['x-koji-farm-hub-outcome']).toBe('failed');
    expect(String(dead[0].headers[HEADERS.deadReason])).toContain('gave up after');

    // No attempt got as far as a buildroot.
    expect(await farm.host.buildroots(message.taskId)).toEqual([]);
  }, 90_000);
});
