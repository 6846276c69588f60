import { HEADERS } from '@koji-farm/contracts';
import { ActionNotAllowed, HubConnectionError } from '@koji-farm/koji';
import { type InboundMessage } from '@koji-farm/messaging';
import { silentLogger as silent } from '@koji-farm/observability';
import { PollerMetrics } from '../health/poller-metrics';
import { type HubGateway } from '../hub/hub-gateway';
import { TASK_STATE } from '../hub/koji-states';
import { type LeaderLease } from '../lease/leader-lease';
import { type TaskPublisher } from '../messaging/task-publisher';
import { InFlightStore } from '../state/in-flight-store';
import { type InFlightTask } from '../state/in-flight-task';
import { DeadLetterHandler } from './dead-letter-handler';

const HOST = 3;
const MASTER = 10;

const record = (taskId: number, generation = 1): InFlightTask => ({
  taskId,
  method: 'buildArch',
  arch: 'x86_64',
  queue: 'koji.tasks.x86_64',
  orchestration: false,
  weight: 1.5,
  priority: 20,
  channelId: 1,
  parentId: null,
  masterSessionId: MASTER,
  subsessionId: 77,
  generation,
  publishedAt: '2026-11-23T10:00:00.000Z',
});

const deadLetter = (taskId: number, headers: Record<string, unknown> = {}): InboundMessage =>
  ({
    headers: {
      [HEADERS.deadReason]: 'task message does not match the task message schema v1: v: bad',
      ...headers,
    },
    content: Buffer.from(JSON.stringify({ taskId })),
  }) as unknown as InboundMessage;

/** The hub as the handler sees it: one task's state, and what was failed or logged out. */
class FakeHub {
  state: { id: number; state: number; host_id: number | null } | null = null;
  failError: Error | undefined;
  readonly failed: Array<{ taskId: number; message: string }> = [];
  readonly loggedOut: number[] = [];
  readonly hostId = HOST;
  readonly sessionId = MASTER;

  getTaskState = () => Promise.resolve(this.state);
  failTask = (taskId: number, message: string) => {
    if (this.failError) return Promise.reject(this.failError);
    this.failed.push({ taskId, message });
    return Promise.resolve();
  };
  logoutChild = (id: number) => {
    this.loggedOut.push(id);
    return Promise.resolve();
  };
}

describe(DeadLetterHandler.name, () => {
  let hub: FakeHub;
  let inFlight: InFlightStore;
  let removed: number[];
  let sut: DeadLetterHandler;

  beforeEach(() => {
    hub = new FakeHub();
    removed = [];
    const lease = { assertHeld: () => undefined } as unknown as LeaderLease;
    inFlight = new InFlightStore({} as never, lease, silent);
    jest.spyOn(inFlight, 'remove').mockImplementation((ids) => {
      removed.push(...ids);
      return Promise.resolve();
    });
    sut = new DeadLetterHandler(
      hub as unknown as HubGateway,
      inFlight,
      lease,
      { deliveryLimit: 5 } as TaskPublisher,
      new PollerMetrics(),
      silent,
    );
  });

  const track = (task: InFlightTask) => {
    jest
      .spyOn(inFlight, 'whenRecorded')
      .mockImplementation((id) => Promise.resolve(id === task.taskId ? task : undefined));
  };

  it('fails an OPEN in-flight task with the reason, forgets it and ends its subsession', async () => {
    track(record(5));
    hub.state = { id: 5, state: TASK_STATE.OPEN, host_id: HOST };
    await expect(sut.handle(deadLetter(5))).resolves.toBe('ack');
    expect(hub.failed).toEqual([
      {
        taskId: 5,
        message:
          'koji-farm could not run the task: its message was dead-lettered: ' +
          'task message does not match the task message schema v1: v: bad',
      },
    ]);
    expect(removed).toEqual([5]);
    expect(hub.loggedOut).toEqual([77]);
  });

  it.each([
    ['CLOSED', { id: 5, state: TASK_STATE.CLOSED, host_id: HOST }],
    ['OPEN on another host', { id: 5, state: TASK_STATE.OPEN, host_id: HOST + 1 }],
    ['gone', null],
  ])('fails nothing when the task is %s', async (_what, state) => {
    track(record(5));
    hub.state = state;
    await expect(sut.handle(deadLetter(5))).resolves.toBe('ack');
    expect(hub.failed).toEqual([]);
    expect(removed).toEqual([]);
  });

  it('fails nothing for a task not in flight, nor for a message of an earlier generation', async () => {
    hub.state = { id: 5, state: TASK_STATE.OPEN, host_id: HOST };
    track(record(6));
    await expect(sut.handle(deadLetter(5))).resolves.toBe('ack');
    track(record(5, 2));
    await expect(sut.handle(deadLetter(5, { [HEADERS.generation]: 1 }))).resolves.toBe('ack');
    expect(hub.failed).toEqual([]);
  });

  it('fails a message of the current generation of a reissued task', async () => {
    track(record(5, 2));
    hub.state = { id: 5, state: TASK_STATE.OPEN, host_id: HOST };
    await sut.handle(deadLetter(5, { [HEADERS.generation]: 2 }));
    expect(hub.failed).toHaveLength(1);
  });

  it('puts the message back when the hub cannot be reached', async () => {
    track(record(5));
    hub.state = { id: 5, state: TASK_STATE.OPEN, host_id: HOST };
    hub.failError = new HubConnectionError('connection refused', 'ECONNREFUSED');
    await expect(sut.handle(deadLetter(5))).resolves.toBe('requeue');
    expect(removed).toEqual([]);
  });

  it('drops the message when the hub refuses to fail the task', async () => {
    track(record(5));
    hub.state = { id: 5, state: TASK_STATE.OPEN, host_id: HOST };
    hub.failError = new ActionNotAllowed('task 5 is not open');
    await expect(sut.handle(deadLetter(5))).resolves.toBe('ack');
    expect(removed).toEqual([]);
  });
});
