import { type AmqpTopology, type TaskMessage } from '@koji-farm/contracts';
import { HubConnectionError, type KojiClient } from '@koji-farm/koji';
import { type AmqpConnection, type InboundMessage } from '@koji-farm/messaging';
import { silentLogger } from '@koji-farm/observability';
import { type ExecutorConfig } from '../config/executor.config';
import { type TaskEventStream } from '../events/task-event-stream';
import { TASK_STATE } from '../hub/hub-schemas';
import { type TaskLogs } from '../steps/task-logs';
import { type AttemptSession } from './attempt-session';
import { TaskCanceledError } from './errors/task-canceled.error';
import { type TaskOutcome } from './task-outcome';
import { type Settlement, TaskSettler } from './task-settler';

const task = { taskId: 7, method: 'buildArch' } as TaskMessage;

/** A container step broken under the attempt (what a cancel's removal or Podman trouble looks like). */
const trouble: TaskOutcome = {
  kind: 'retry',
  reason: 'container kf-7-1-abc died during step exec',
  error: 'ContainerError',
  shutdown: false,
};

/** The attempt's hub session; `taskState` answers getTaskInfo (an Error: the hub cannot be reached). */
function session(taskState: number | Error) {
  const call = jest.fn((method: string) => {
    if (method !== 'getTaskInfo') return Promise.reject(new Error(`unexpected call ${method}`));
    if (taskState instanceof Error) return Promise.reject(taskState);
    return Promise.resolve({ id: task.taskId, state: taskState, host_id: 1 });
  });
  return { call, session: { client: { call } as unknown as KojiClient } as AttemptSession };
}

function settlement(outcome: TaskOutcome, parts: { session?: AttemptSession; signal?: AbortSignal } = {}) {
  const delivery = { deliveryCount: 1, ack: jest.fn(() => true), nack: jest.fn(() => true) };
  const emit = jest.fn();
  const s: Settlement = {
    task,
    attempt: 1,
    delivery: delivery as unknown as InboundMessage,
    outcome,
    session: parts.session,
    logs: { abandon: jest.fn(() => Promise.resolve()) } as unknown as TaskLogs,
    events: { emit } as unknown as TaskEventStream,
    logger: silentLogger,
    started: performance.now(),
    signal: parts.signal,
  };
  return { s, delivery, emit };
}

function aborted(reason: Error): AbortSignal {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
}

describe(TaskSettler.name, () => {
  const sut = new TaskSettler(
    { deliveryLimit: 5 } as ExecutorConfig,
    {} as AmqpConnection,
    {} as AmqpTopology,
  );

  it('acks, not hands back, an attempt that broke because its task was cancelled on the hub', async () => {
    const hub = session(TASK_STATE.CANCELED);
    const { s, delivery, emit } = settlement(trouble, { session: hub.session });

    await expect(sut.settle(s)).resolves.toBe('canceled');

    expect(delivery.ack).toHaveBeenCalledTimes(1);
    expect(delivery.nack).not.toHaveBeenCalled();
    expect(hub.call.mock.calls.map(([method]) => method)).toEqual(['getTaskInfo']);
    expect(emit).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'task.finished',
        state: 'canceled',
        error: expect.objectContaining({ name: 'TaskGone', message: expect.stringContaining('CANCELED') }),
      }),
    );
  });

  it('lets a cancel message that came after the work broke decide, without asking the hub', async () => {
    const hub = session(TASK_STATE.OPEN);
    const { s, delivery, emit } = settlement(trouble, {
      session: hub.session,
      signal: aborted(new TaskCanceledError('canceled on the hub')),
    });

    await expect(sut.settle(s)).resolves.toBe('canceled');

    expect(delivery.ack).toHaveBeenCalledTimes(1);
    expect(delivery.nack).not.toHaveBeenCalled();
    expect(hub.call).not.toHaveBeenCalled();
    expect(emit).toHaveBeenCalledWith(
      expect.objectContaining({
        state: 'canceled',
        error: expect.objectContaining({ name: 'TaskCanceled', message: 'canceled on the hub' }),
      }),
    );
  });

  it('hands the task back for trouble while the hub still has it OPEN, or cannot be asked', async () => {
    for (const state of [TASK_STATE.OPEN, new HubConnectionError('connection refused', 'ECONNREFUSED')]) {
      const { s, delivery, emit } = settlement(trouble, { session: session(state).session });
      await expect(sut.settle(s)).resolves.toBe('requeued');
      expect(delivery.nack).toHaveBeenCalledWith(true);
      expect(delivery.ack).not.toHaveBeenCalled();
      expect(emit).toHaveBeenCalledWith(
        expect.objectContaining({
          state: 'requeued',
          error: expect.objectContaining({ name: 'ContainerError' }),
        }),
      );
    }
  });

  it('still hands the task back when the executor shuts down (not a cancel)', async () => {
    const { s, delivery } = settlement(trouble, {
      session: session(TASK_STATE.OPEN).session,
      signal: aborted(new TaskCanceledError('SIGTERM', true)),
    });
    await expect(sut.settle(s)).resolves.toBe('requeued');
    expect(delivery.nack).toHaveBeenCalledWith(true);
  });
});
