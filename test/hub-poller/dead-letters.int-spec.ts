import { HEADERS, taskMessageSchema } from '@koji-farm/contracts';
import { encodeFault, KojiClient, type KojiFault } from '@koji-farm/koji';
import {
  DEFAULT_DELIVERY_LIMIT,
  deadLetter,
  declareTaskExchanges,
  declareTaskQueue,
  type InboundMessage,
} from '@koji-farm/messaging';
import { parseTaskMessage } from '../../apps/executor/src/intake/parse-task-message';
import { DeadLetterConsumer } from '../../apps/hub-poller/src/dead-letters/dead-letter-consumer';
import { TASK_STATES } from '../koji-hub-sim';
import { type InProcessPoller, PollerTestBed } from './support/poller-test-bed';

jest.setTimeout(60_000);

/** Dead task messages: the leading poller fails their tasks on the hub (ADR 0058). */
describe(DeadLetterConsumer.name, () => {
  let bed: PollerTestBed;

  beforeEach(async () => {
    bed = await PollerTestBed.create();
    await bed.startExecutor({ slots: 4 });
  });

  afterEach(async () => {
    await bed.close();
  });

  /** Plays the executors' part on the x86_64 queue with `handle`. */
  async function consumeAsExecutor(handle: (message: InboundMessage) => Promise<void>): Promise<void> {
    const queue = bed.names.taskQueue('x86_64');
    await bed.amqp.withChannel(async (channel) => {
      await declareTaskExchanges(channel, bed.names);
      await declareTaskQueue(channel, bed.names, queue, 'x86_64', { deliveryLimit: DEFAULT_DELIVERY_LIMIT });
    });
    await bed.amqp.consume(queue, handle, { prefetch: 10 });
  }

  /** The fault `getTaskResult` raises for a FAILED task. */
  async function faultOf(taskId: number): Promise<KojiFault> {
    const admin = await bed.login();
    return admin.call('getTaskResult', [taskId]).then(
      () => {
        throw new Error(`task ${taskId} has a result, not a fault`);
      },
      (err: KojiFault) => err,
    );
  }

  const inFlightIds = async () => (await bed.redis.hkeys(`${bed.keyPrefix}poller:in-flight`)).map(Number);
  const depth = async (queue: string) =>
    (await bed.amqp.withChannel((channel) => channel.checkQueue(queue))).messageCount;
  const metric = async (poller: InProcessPoller, line: RegExp) =>
    line.exec(await (await fetch(`${poller.httpUrl}/metrics`)).text())?.[1];

  it('fails on the hub, with the reason, a task whose message an executor refused as schema-invalid', async () => {
    const reasons: string[] = [];
    const sessions: number[] = [];
    await consumeAsExecutor(async (message) => {
      const parsed = parseTaskMessage(message.content);
      if (parsed.ok) {
        sessions.push(parsed.message.session.id);
        // The same task as a poller of a newer contract would send it: unreadable here.
        await bed.amqp.publish(
          bed.names.tasksExchange,
          'x86_64',
          { ...parsed.message, v: 2 },
          {
            headers: message.headers,
          },
        );
        message.ack();
        return;
      }
      reasons.push(parsed.reason); // what the executor does with such a message:
      await deadLetter(bed.amqp, bed.names, message, parsed.reason);
    });
    const id = bed.makeTask('buildArch');
    const sut = await bed.startPoller();

    const line = await sut.logs.waitFor(
      (l) => l.msg === 'failed a dead-lettered task on the hub' && l.taskId === id,
      20_000,
      'the dead-lettered task to be failed',
    );
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^task message does not match the task message schema v1: v: /);
    expect(line).toMatchObject({ level: 50, reason: reasons[0], queue: bed.names.taskQueue('x86_64') });
    expect(bed.task(id).state).toBe(TASK_STATES.FAILED);
    expect(sut.logs.lines.filter((l) => l.method === 'host.failTask')).toHaveLength(1);
    const fault = await faultOf(id);
    expect(fault.faultCode).toBe(1);
    expect(fault.faultString).toBe(
      `koji-farm could not run the task: its message was dead-lettered: ${reasons[0]}`,
    );
    expect(await inFlightIds()).toEqual([]);
    // The operators' copy stays; the poller's was acked.
    expect(await depth(bed.names.tasksDeadQueue)).toBe(1);
    expect(await depth(bed.names.tasksDeadPollerQueue)).toBe(0);
    expect(await metric(sut, /^koji_farm_poller_dead_letters_total\{outcome="failed"\} (\d+)$/m)).toBe('1');
    // The message's subsession left with the task.
    const session = bed.hub.admin.sessionsOf({ user: 'kf-farm-host' }).find((s) => s.id === sessions[0]);
    expect(session).toMatchObject({ closed: true });
  });

  it('fails a task whose message RabbitMQ dead-lettered at the delivery limit, naming the attempts', async () => {
    const deliveries: number[] = [];
    await consumeAsExecutor((message) => {
      // An executor killed on every attempt: the message always comes back.
      deliveries.push(message.deliveryCount);
      message.nack(true);
      return Promise.resolve();
    });
    const id = bed.makeTask('buildArch');
    const sut = await bed.startPoller();

    await sut.logs.waitFor(
      (l) => l.msg === 'failed a dead-lettered task on the hub' && l.taskId === id,
      30_000,
      'the dead-lettered task to be failed',
    );
    expect(deliveries).toEqual([0, 1, 2, 3, 4, 5]);
    expect(bed.task(id).state).toBe(TASK_STATES.FAILED);
    expect((await faultOf(id)).faultString).toBe(
      'koji-farm could not run the task: its message was dead-lettered: ' +
        `delivery limit reached after ${DEFAULT_DELIVERY_LIMIT + 1} attempts (queue ${bed.names.taskQueue('x86_64')})`,
    );
    expect(await inFlightIds()).toEqual([]);
  });

  it('leaves a task the executor already failed alone: no second failTask', async () => {
    const executorText = 'koji-farm gave up after 6 attempts (delivery limit 5): Podman API unreachable';
    await consumeAsExecutor(async (message) => {
      // The executor on its last allowed attempt: fails the task itself, then dead-letters.
      const task = taskMessageSchema.parse(JSON.parse(message.content.toString('utf8')));
      const client = KojiClient.fromSession(task.session, bed.hub.url);
      try {
        await client.call('host.failTask', [task.taskId, encodeFault(1, executorText)]);
      } finally {
        await client.close();
      }
      await deadLetter(bed.amqp, bed.names, message, executorText, { [HEADERS.hubOutcome]: 'failed' });
    });
    const id = bed.makeTask('buildArch');
    const sut = await bed.startPoller();

    await sut.logs.waitFor(
      (l) =>
        l.msg === 'dead task message: the executor already failed the task on the hub' && l.taskId === id,
      20_000,
      'the dead letter to be recognised as failed already',
    );
    expect(sut.logs.lines.filter((l) => l.method === 'host.failTask')).toEqual([]);
    expect(await metric(sut, /^koji_farm_poller_tasks_failed_total (\d+)$/m)).toBe('0');
    expect(
      await metric(sut, /^koji_farm_poller_dead_letters_total\{outcome="already-failed"\} (\d+)$/m),
    ).toBe('1');
    expect((await faultOf(id)).faultString).toBe(executorText);
    // The reconciler forgets it as a finished task.
    await sut.logs.waitFor((l) => l.msg === 'task finished' && l.taskId === id);
    expect(await inFlightIds()).toEqual([]);
  });

  it('logs a dead letter without a task id at error level and drops it', async () => {
    const sut = await bed.startPoller();
    await sut.logs.waitForMessage('consuming dead task messages');
    await bed.amqp.publish(bed.names.tasksDeadLetterExchange, 'x86_64', Buffer.from('{not json'), {
      headers: { [HEADERS.deadReason]: 'task message is not JSON: Unexpected token n' },
    });
    const line = await sut.logs.waitForMessage('dead task message without a task id');
    expect(line).toMatchObject({
      level: 50,
      reason: 'task message is not JSON: Unexpected token n',
      problem: 'the message is not JSON',
    });
    const deadline = Date.now() + 5000;
    while ((await depth(bed.names.tasksDeadPollerQueue)) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await depth(bed.names.tasksDeadPollerQueue)).toBe(0);
  });

  it('consumes dead letters only while leading: a standby does not, the next leader does', async () => {
    const consumers = async () =>
      (await bed.amqp.withChannel((channel) => channel.checkQueue(bed.names.tasksDeadPollerQueue)))
        .consumerCount;
    const first = await bed.startPoller({ POLLER_ID: 'first' });
    await first.logs.waitForMessage('consuming dead task messages');
    const second = await bed.startPoller({ POLLER_ID: 'second' });
    await bed.loops(first, 3);
    expect(second.logs.messages()).not.toContain('consuming dead task messages');
    expect(await consumers()).toBe(1);

    await first.stop();
    await second.logs.waitForMessage('consuming dead task messages', 20_000);
    expect(await consumers()).toBe(1);
  });
});
