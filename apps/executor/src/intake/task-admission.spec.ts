import { type AmqpTopology, HEADERS, type TaskMessage } from '@koji-farm/contracts';
import { type AmqpConnection, type InboundMessage } from '@koji-farm/messaging';
import { silentLogger } from '@koji-farm/observability';
import { type ExecutorConfig } from '../config/executor.config';
import { type LeaseClaim, type TaskLeaseStore } from '../tasks/lease/task-lease.store';
import { RunningTask } from '../tasks/running-task';
import { RunningTasks } from '../tasks/running-tasks';
import { TaskAdmission } from './task-admission';

function delivery(opts: { generation?: number; deliveryCount?: number } = {}) {
  const lost = new AbortController();
  let settled = false;
  const message = {
    headers: { [HEADERS.generation]: opts.generation ?? 1, [HEADERS.deliveryCount]: opts.deliveryCount ?? 1 },
    deliveryCount: opts.deliveryCount ?? 1,
    routingKey: 'x86_64',
    content: Buffer.from('{}'),
    properties: { messageId: 'task-7-g1', priority: 19 },
    channelLost: lost.signal,
    get isSettled() {
      return settled;
    },
    ack: jest.fn(() => (settled = true)),
    nack: jest.fn(() => (settled = true)),
  };
  return { message: message as unknown as InboundMessage, raw: message, loseChannel: () => lost.abort() };
}

const task = { taskId: 7, method: 'buildArch' } as TaskMessage;

describe(TaskAdmission.name, () => {
  let running: RunningTasks;
  let claims: Array<LeaseClaim | Error>;
  let publish: jest.Mock;
  let sut: TaskAdmission;

  beforeEach(() => {
    running = new RunningTasks();
    claims = [];
    publish = jest.fn(() => Promise.resolve());
    const leases = {
      holder: 'exec-a/1',
      ttlMs: 3000,
      acquire: jest.fn(() => {
        const next = claims.length > 1 ? claims.shift()! : claims[0];
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      }),
      check: jest.fn(() => Promise.resolve('held')),
      release: jest.fn(() => Promise.resolve(true)),
    };
    sut = new TaskAdmission(
      { deliveryLimit: 5, lease: { ttlMs: 3000, waitMs: 1500 } } as ExecutorConfig,
      { publish } as unknown as AmqpConnection,
      { tasksExchange: 'koji.tasks' } as AmqpTopology,
      running,
      leases as unknown as TaskLeaseStore,
      silentLogger,
    );
  });

  function runningHere(generation = 1) {
    const first = delivery({ generation, deliveryCount: 0 });
    const attempt = new RunningTask(7, 1, generation, 'buildArch', 1.5);
    attempt.deliveredBy(first.message);
    running.add(attempt);
    return { attempt, first };
  }

  it('lets the attempt running here adopt its redelivery after its channel closed: no new attempt', async () => {
    const { attempt, first } = runningHere();
    first.loseChannel();
    const again = delivery();
    expect(await sut.admit(task, again.message, () => false)).toEqual({ kind: 'handled' });
    expect(attempt.delivery).toBe(again.message);
    expect(again.raw.ack).not.toHaveBeenCalled(); // settled by the attempt at its end
    expect(attempt.beginSettling()).toBe(again.message);
  });

  it('swaps an adopted redelivery one short of the delivery limit for a fresh copy', async () => {
    const { attempt, first } = runningHere();
    first.loseChannel();
    const worn = delivery({ deliveryCount: 4 });
    expect(await sut.admit(task, worn.message, () => false)).toEqual({ kind: 'handled' });
    expect(publish).toHaveBeenCalledTimes(1);
    expect(worn.raw.ack).toHaveBeenCalled();
    // The attempt takes the copy when it comes back here.
    const copy = delivery({ deliveryCount: 0 });
    expect(await sut.admit(task, copy.message, () => false)).toEqual({ kind: 'handled' });
    expect(attempt.delivery).toBe(copy.message);
    expect(copy.raw.ack).not.toHaveBeenCalled();
  });

  it('acks a second copy of a message whose attempt still holds a live delivery', async () => {
    const { attempt, first } = runningHere();
    const copy = delivery({ deliveryCount: 0 });
    expect(await sut.admit(task, copy.message, () => false)).toEqual({ kind: 'handled' });
    expect(copy.raw.ack).toHaveBeenCalled();
    expect(attempt.delivery).toBe(first.message);
  });

  it('drops a message of an older generation than the one running here', async () => {
    runningHere(3);
    const stale = delivery({ generation: 2 });
    expect(await sut.admit(task, stale.message, () => false)).toEqual({ kind: 'handled' });
    expect(stale.raw.ack).toHaveBeenCalled();
  });

  it('starts a new attempt with the number the lease gives', async () => {
    claims.push({ kind: 'acquired', attempt: 2 });
    const admitted = await sut.admit(task, delivery().message, () => false);
    expect(admitted).toMatchObject({ kind: 'run', generation: 1 });
    if (admitted.kind === 'run') {
      expect(admitted.lease.attempt).toBe(2);
      await admitted.lease.end();
    }
  });

  it('acks a leftover message of a generation an earlier attempt settled', async () => {
    claims.push({ kind: 'settled', attempt: 1, holder: 'exec-b/2', outcome: 'closed' });
    const leftover = delivery();
    expect(await sut.admit(task, leftover.message, () => false)).toEqual({ kind: 'handled' });
    expect(leftover.raw.ack).toHaveBeenCalled();
  });

  it('waits while another executor holds the task and takes it over once the lease expired', async () => {
    claims.push(
      { kind: 'held', attempt: 1, holder: 'exec-b/2', ttlMs: 800 },
      { kind: 'acquired', attempt: 2 },
    );
    const admitted = await sut.admit(task, delivery().message, () => false);
    expect(admitted).toMatchObject({ kind: 'run' });
    if (admitted.kind === 'run') await admitted.lease.end();
  });

  it('hands a message whose task stays held back as a fresh copy (no delivery counted), then acks it', async () => {
    claims.push({ kind: 'held', attempt: 1, holder: 'exec-b/2', ttlMs: 20_000 });
    const held = delivery({ deliveryCount: 3 });
    expect(await sut.admit(task, held.message, () => false)).toEqual({ kind: 'handled' });
    expect(publish).toHaveBeenCalledTimes(1);
    const [exchange, routingKey, , options] = publish.mock.calls[0] as [
      string,
      string,
      Buffer,
      { headers: object },
    ];
    expect([exchange, routingKey]).toEqual(['koji.tasks', 'x86_64']);
    expect(options.headers).not.toHaveProperty(HEADERS.deliveryCount);
    expect(options.headers).toHaveProperty(HEADERS.generation, 1);
    expect(held.raw.ack).toHaveBeenCalled();
    expect(held.raw.nack).not.toHaveBeenCalled();
  });

  it('waits for Redis, holding the message, and hands it back at shutdown', async () => {
    claims.push(new Error('Connection is closed.'));
    let stopping = false;
    const waiting = delivery();
    const admitted = sut.admit(task, waiting.message, () => stopping);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(waiting.raw.ack).not.toHaveBeenCalled();
    stopping = true;
    expect(await admitted).toEqual({ kind: 'handled' });
    expect(waiting.raw.nack).toHaveBeenCalledWith(true);
  });
});
