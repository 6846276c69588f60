import { HostLoop } from '../../apps/hub-poller/src/loop/host-loop';
import { TASK_STATES } from '../koji-hub-sim';
import { watchEvents, watchTaskQueue } from './support/message-watchers';
import { PollerTestBed } from './support/poller-test-bed';

jest.setTimeout(60_000);

/** The loop survives an unreachable hub, broken connections, bad replies and session expiry. */
describe(HostLoop.name, () => {
  let bed: PollerTestBed;

  beforeEach(async () => {
    bed = await PollerTestBed.create();
    await bed.startExecutor({ slots: 8 });
  });

  afterEach(async () => {
    await bed.close();
  });

  it('waits out a hub that is down for 30 s and resumes', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const heartbeats = await watchEvents(bed.amqp, bed.names, ['poller.heartbeat']);
    const before = bed.makeTask('buildArch');
    const sut = await bed.startPoller();
    await queue.waitForCount(1);

    const downMs = 30_000;
    const wentDown = Date.now();
    await bed.hub.goDown(downMs); // back up by itself, on the same port
    const during = bed.makeTask('buildArch');
    await sut.logs.waitForMessage('hub call failed to connect; resending with the same callnum');
    await heartbeats.waitFor(
      (items) =>
        items.some((e) => e.body.type === 'poller.heartbeat' && e.body.leader && !e.body.hub.connected),
      20_000,
      'a heartbeat saying the hub is unreachable',
    );
    const healthDuring = await fetch(`${sut.httpUrl}/healthz`);
    expect(healthDuring.status).toBe(200);

    const [, resumed] = await queue.waitForCount(2, downMs + 20_000);
    const cameUp = wentDown + downMs;
    console.log(`hub down ${downMs} ms; task picked up ${resumed.at - cameUp} ms after it came back`);
    expect(resumed.body.taskId).toBe(during);
    expect(resumed.at).toBeGreaterThanOrEqual(cameUp);
    expect(bed.task(before).state).toBe(TASK_STATES.OPEN);
    expect(sut.logs.messages()).toContain("became the leader: holding the host's exclusive session");
    expect(sut.logs.messages().filter((m) => m.startsWith('became the leader'))).toHaveLength(1);
  }, 120_000);

  // The two hub generations differ (ADR 0036): a 1.36 hub checks the header callnum and
  // refuses the resent multicall with RetryError; a 1.35 hub reads no header callnum and
  // runs it again, and openTask of a task already OPEN here answers nil. Either way the
  // task is OPEN without a record, freed and taken again, and queued once.
  it.each([
    ['1.36.0', 'could not open the tasks'],
    ['1.35.3', 'skipped: another host opened the task first'],
  ])(
    'resends a call whose connection broke with the same callnum, and recovers when it had committed (Koji %s)',
    async (kojiVersion, lostOpen) => {
      bed.hub.admin.setHubOptions({ kojiVersion });
      const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
      const sut = await bed.startPoller();
      await bed.loops(sut, 1);
      // The proxy fails twice with 503; then the reply to the multicall that opens the task
      // (the second multicall: the first reads the task info) is lost after the hub ran it.
      bed.hub.faults.httpStatus(503, { times: 2, method: 'host.getTasks' });
      const take = bed.hub.faults.take.bind(bed.hub.faults);
      let multicalls = 0;
      jest
        .spyOn(bed.hub.faults, 'take')
        .mockImplementation((method) =>
          method === 'multiCall' && ++multicalls === 2
            ? [{ kind: 'reset', afterCommit: true }]
            : take(method),
        );
      const id = bed.makeTask('buildArch');

      const retried = sut.logs.lines.length;
      const lost = await sut.logs.waitFor((l) => l.msg === lostOpen);
      const resends = sut.logs.lines
        .slice(retried)
        .filter((l) => l.msg === 'hub call failed to connect; resending with the same callnum');
      expect(resends.map((l) => [l.method, l.code])).toEqual([
        ['host.getTasks', 'HTTP_503'],
        ['host.getTasks', 'HTTP_503'],
        ['multiCall', 'UND_ERR_SOCKET'],
      ]);
      expect(resends[0].callnum).toBe(resends[1].callnum);
      if (kojiVersion === '1.36.0') {
        // The hub saw the resend under the same callnum and refused to run the committed call twice.
        expect(lost.taskIds).toEqual([id]);
        expect(lost.err).toMatchObject({
          type: 'RetryError',
          message: expect.stringContaining(
            `unable to retry call ${String(resends[2].callnum)} (method multiCall)`,
          ),
        });
      } else {
        // The hub ran it again: the task was already OPEN here, so openTask answered nil.
        expect(lost).toMatchObject({ taskId: id });
      }
      // Opened on the first send, but the poller never learnt it: freed as unknown, taken again.
      await sut.logs.waitFor((l) => l.msg === 'freeing OPEN tasks this farm has no record of');
      const [message] = await queue.waitForCount(1);
      expect(message.body.taskId).toBe(id);
      await bed.loops(sut, 3);
      expect(queue.items).toHaveLength(1);
      expect(bed.task(id)).toMatchObject({ state: TASK_STATES.OPEN, host_id: bed.hostId });
      expect(sut.logs.messages()).not.toContain('stepping down to standby');
    },
  );

  it('logs malformed hub replies with the task they were about and carries on', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const sut = await bed.startPoller();
    await bed.loops(sut, 1);
    bed.hub.faults.malformReply('host.getTasks', 'wrong-types');
    bed.hub.faults.malformReply('host.getHostTasks', 'missing-fields');
    bed.hub.faults.malformReply('getTaskInfo', 'missing-fields');
    const ids = [bed.makeTask('buildArch'), bed.makeTask('buildArch')];

    const loopFault = await sut.logs.waitFor((l) => l.msg.startsWith('host loop failed'));
    expect(loopFault.err).toMatchObject({ type: 'HubReplyInvalidError' });
    const taskFault = await sut.logs.waitFor((l) => l.msg.startsWith('could not take the task'));
    expect(ids).toContain(taskFault.taskId);
    expect(taskFault.err).toMatchObject({
      type: 'HubReplyInvalidError',
      message: expect.stringContaining(`getTaskInfo for task ${String(taskFault.taskId)}`),
    });

    // After the bad replies, both tasks are queued once each.
    await queue.waitForCount(2);
    await bed.loops(sut, 3);
    expect(queue.items.map((m) => m.body.taskId).sort()).toEqual(ids);
  });

  it('logs in again when the hub expires the session, and keeps the exclusive lock', async () => {
    const queue = await watchTaskQueue(bed.amqp, bed.names, 'x86_64');
    const sut = await bed.startPoller();
    await bed.loops(sut, 1);
    const [master] = bed.hub.admin.sessionsOf({ user: 'kf-farm-host' }).filter((s) => s.exclusive);
    bed.hub.admin.expireSession({ sessionId: master.id });

    await sut.logs.waitForMessage('session expired; logging in again (renew)');
    const id = bed.makeTask('buildArch');
    const [message] = await queue.waitForCount(1);
    expect(message.body.taskId).toBe(id);
    const sessions = bed.hub.admin.sessionsOf({ user: 'kf-farm-host' });
    expect(sessions.find((s) => s.id === master.id)).toMatchObject({
      exclusive: true,
      expired: false,
      closed: false,
    });
  });

  it('keeps trying when the hub refuses its login, says so, and is not ready meanwhile', async () => {
    const sut = await bed.startPoller({ KOJI_PASSWORD: 'wrong-password-7Qx' });
    const failures = () => sut.logs.lines.filter((l) => l.msg.startsWith('cannot log in to the hub'));
    await sut.logs.waitFor(() => failures().length >= 3, 20_000, 'three failed logins');
    expect(failures()[0].err).toMatchObject({ type: 'AuthError' });
    const ready = await fetch(`${sut.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: { hub: { status: 'down' } } });
    expect((await fetch(`${sut.httpUrl}/healthz`)).status).toBe(200);
    expect(sut.logs.raw.join('\n')).not.toContain('wrong-password-7Qx');
    expect(await bed.redis.exists(`${bed.keyPrefix}poller:lease`)).toBe(0);
  });
});
