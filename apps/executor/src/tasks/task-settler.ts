import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology, HEADERS, type TaskMessage, type TaskError } from '@koji-farm/contracts';
import { HubConnectionError, KojiFault, type KojiValue, type Settled } from '@koji-farm/koji';
import { AMQP_TOPOLOGY, AmqpConnection, deadLetter, type InboundMessage } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { type TaskEventStream } from '../events/task-event-stream';
import { TASK_STATE, TASK_STATE_NAMES } from '../hub/hub-schemas';
import { TaskHub } from '../hub/task-hub';
import { type TaskLogs } from '../steps/task-logs';
import { type AttemptSession } from './attempt-session';
import { errorName, errorText, isErrorLike } from './errors/error-text';
import { TaskCanceledError } from './errors/task-canceled.error';
import { NON_KOJI_FAULT, type TaskOutcome } from './task-outcome';

export interface Settlement {
  task: TaskMessage;
  attempt: number;
  delivery: InboundMessage;
  outcome: TaskOutcome;
  session?: AttemptSession;
  logs: TaskLogs;
  events: TaskEventStream;
  logger: LoggerLike;
  /** performance.now() when the attempt began. */
  started: number;
  /**
   * The lease's fence (ADR 0083), asked right before a hub call that settles the task:
   * false when another attempt holds the task now, and the call is not made.
   */
  fence?: () => Promise<boolean>;
  /**
   * The attempt's abort signal: a cancel that arrives after the outcome was decided (the
   * work broke just before it) still wins over handing the task back.
   */
  signal?: AbortSignal;
}

/** How long the look at the hub before handing a task back may take (the hub may be the trouble). */
export const GONE_CHECK_MS = 10_000;

/** How the attempt ended, as its `task.finished` says. */
export type SettledState = 'closed' | 'failed' | 'canceled' | 'requeued';

/**
 * Ends an attempt: tells the hub (closeTask/failTask, only for a real outcome), and only
 * once the hub accepted it acks the message; requeues it for infrastructure trouble; on
 * the last delivery RabbitMQ allows, fails the task on the hub with the reason and
 * dead-letters the message instead. Publishes `task.finished`. Never throws; returns the
 * state it published.
 */
@Injectable()
export class TaskSettler {
  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
  ) {}

  async settle(s: Settlement): Promise<SettledState> {
    try {
      return await this.settleOutcome(s);
    } catch (err) {
      // Only the broker can fail here (publishing the dead letter): requeue and let the
      // next delivery find the task's state on the hub.
      s.logger.error({ err }, 'could not settle the task message; requeueing it');
      s.delivery.nack(true);
      return this.finished(s, 'requeued', undefined, {
        faultCode: null,
        name: errorName(err),
        message: errorText(err),
      });
    }
  }

  private async settleOutcome(s: Settlement): Promise<SettledState> {
    const { outcome, logger } = s;
    switch (outcome.kind) {
      case 'closed': {
        const uploaded = await this.finishLogs(s, true);
        if (uploaded !== true)
          return this.retryOrGiveUp(
            s,
            `uploading the task logs failed: ${errorText(uploaded)}`,
            errorName(uploaded),
          );
        return this.tellHub(
          s,
          (hub) => hub.closeTask(s.task.taskId, outcome.result),
          'closed',
          outcome.result,
        );
      }
      case 'failed': {
        await this.finishLogs(s, false);
        logger.info(
          { faultCode: outcome.faultCode, fault: outcome.faultName, reason: outcome.message },
          'task failed',
        );
        const error = { faultCode: outcome.faultCode, name: outcome.faultName, message: outcome.message };
        return this.tellHub(
          s,
          (hub) => hub.failTask(s.task.taskId, outcome.faultCode, outcome.message),
          'failed',
          undefined,
          error,
        );
      }
      case 'canceled':
        await s.logs.abandon();
        logger.info({ reason: outcome.reason }, 'task canceled; nothing sent to the hub');
        s.delivery.ack();
        return this.finished(s, 'canceled', undefined, {
          faultCode: null,
          name: 'TaskCanceled',
          message: outcome.reason,
        });
      case 'gone':
        await s.logs.abandon();
        logger.warn({ reason: outcome.reason }, 'task is not ours to run any more; dropping its message');
        s.delivery.ack();
        return this.finished(s, 'canceled', undefined, {
          faultCode: null,
          name: 'TaskGone',
          message: outcome.reason,
        });
      case 'lost':
        // Another attempt holds the task's lease (ADR 0083); it has its own message.
        await s.logs.abandon();
        logger.warn(
          { reason: outcome.reason },
          'another attempt holds the task now; stopped this one, nothing sent to the hub',
        );
        s.delivery.ack();
        return this.leaseLost(s, outcome.reason);
      case 'retry':
        await s.logs.abandon();
        if (outcome.shutdown) {
          logger.info({ reason: outcome.reason }, 'task interrupted; requeueing it for another attempt');
          s.delivery.nack(true);
          return this.finished(s, 'requeued', undefined, {
            faultCode: null,
            name: outcome.error,
            message: outcome.reason,
          });
        }
        return this.retryOrGiveUp(s, outcome.reason, outcome.error);
    }
  }

  /**
   * Infrastructure trouble: another attempt, unless this was the last delivery RabbitMQ
   * allows; then the task fails on the hub with the reason and the message goes to the
   * dead letters marked as already failed.
   */
  private leaseLost(s: Settlement, reason: string): SettledState {
    return this.finished(s, 'requeued', undefined, { faultCode: null, name: 'LeaseLost', message: reason });
  }

  private async retryOrGiveUp(s: Settlement, reason: string, errorClass: string): Promise<SettledState> {
    const gone = await this.goneReason(s);
    if (gone !== undefined) {
      s.logger.info(
        { reason: gone, trouble: reason, error: errorClass },
        'task attempt failed, but the task is not ours to run any more; dropping its message',
      );
      s.delivery.ack();
      return this.finished(s, 'canceled', undefined, {
        faultCode: null,
        name: gone.canceled ? 'TaskCanceled' : 'TaskGone',
        message: gone.reason,
      });
    }
    const last = s.delivery.deliveryCount >= this.config.deliveryLimit;
    if (!last || !s.session) {
      s.logger.warn(
        { reason, error: errorClass, deliveryLimit: this.config.deliveryLimit },
        'task attempt failed; requeueing it',
      );
      s.delivery.nack(true);
      return this.finished(s, 'requeued', undefined, { faultCode: null, name: errorClass, message: reason });
    }
    const text = `koji-farm gave up after ${s.attempt} attempts (delivery limit ${this.config.deliveryLimit}): ${reason}`;
    s.logger.error(
      { reason, error: errorClass },
      'task failed on its last allowed attempt; failing it on the hub',
    );
    const error: TaskError = { faultCode: NON_KOJI_FAULT, name: errorClass, message: text };
    const told = await this.tellHubOnly(s, (hub) => hub.failTask(s.task.taskId, NON_KOJI_FAULT, text));
    if (told === 'fenced') {
      s.delivery.ack();
      return this.leaseLost(s, 'another attempt holds the task now; not failing it');
    }
    if (told === 'retry') {
      s.delivery.nack(true); // the broker dead-letters it (delivery_limit); the poller fails it
      return this.finished(s, 'requeued', undefined, error);
    }
    await this.deadLetter(s, text, told === 'done' ? 'failed' : 'not-failed');
    return this.finished(s, told === 'done' ? 'failed' : 'canceled', undefined, error);
  }

  /**
   * Before a task goes back to the queue for trouble: was it cancelled meanwhile? A cancel
   * on the hub reaches the attempt as a control message, and the hub refuses the task's
   * calls at once: trouble met in between (a step broken by the cancel, a refused call)
   * must not hand back a task that no attempt may run (kojid never retries a cancelled
   * task). The cancel message, if it came, decides; otherwise the hub's task state, asked
   * once and briefly; an unreachable hub leaves the decision to the next delivery.
   */
  private async goneReason(s: Settlement): Promise<{ reason: string; canceled: boolean } | undefined> {
    const stop: unknown = s.signal?.aborted ? s.signal.reason : undefined;
    if (stop instanceof TaskCanceledError && !stop.shutdown) return { reason: stop.reason, canceled: true };
    if (!s.session) return undefined;
    try {
      const hub = new TaskHub(s.session.client, AbortSignal.timeout(GONE_CHECK_MS));
      const info = await hub.getTaskInfo(s.task.taskId);
      if (info.state === TASK_STATE.OPEN) return undefined;
      const state = TASK_STATE_NAMES[info.state] ?? String(info.state);
      return { reason: `the task is ${state} on the hub, not OPEN`, canceled: false };
    } catch (err) {
      s.logger.debug({ err }, 'could not ask the hub for the task state before handing it back');
      return undefined;
    }
  }

  private async tellHub(
    s: Settlement,
    call: (hub: TaskHub) => Promise<Settled>,
    state: 'closed' | 'failed',
    result?: KojiValue,
    error?: TaskError,
  ): Promise<SettledState> {
    const told = await this.tellHubOnly(s, call);
    if (told === 'fenced') {
      s.delivery.ack();
      return this.leaseLost(s, `another attempt holds the task now; not telling the hub it ${state}`);
    }
    if (told === 'done') {
      s.delivery.ack();
      s.logger.info({ state, durationMs: elapsed(s.started) }, `task ${state} on the hub`);
      return this.finished(s, state, result, error);
    }
    if (told === 'retry') {
      s.delivery.nack(true);
      return this.finished(s, 'requeued', undefined, error);
    }
    s.delivery.ack();
    return this.finished(s, 'canceled', undefined, error);
  }

  /**
   * 'done' when the hub took it; 'retry' when it could not be reached; 'refused' for a
   * fault (the task is not ours); 'fenced' when the lease's fence stopped the call.
   */
  private async tellHubOnly(
    s: Settlement,
    call: (hub: TaskHub) => Promise<Settled>,
  ): Promise<'done' | 'retry' | 'refused' | 'fenced'> {
    if (!s.session) return 'retry';
    if (s.fence && !(await s.fence())) {
      s.logger.warn('the task lease is held by another attempt now; this one settles nothing on the hub');
      return 'fenced';
    }
    try {
      if ((await call(new TaskHub(s.session.client))) === 'already') {
        s.logger.info(
          'the hub had already taken this from an earlier send whose reply was lost; nothing ran twice',
        );
      }
      return 'done';
    } catch (err) {
      if (err instanceof KojiFault && !err.retryable) {
        s.logger.error({ err }, 'the hub refused to close or fail the task; dropping its message');
        return 'refused';
      }
      s.logger.warn(
        { err: err instanceof HubConnectionError ? err.message : err },
        'could not reach the hub to end the task',
      );
      return 'retry';
    }
  }

  /** Final log upload; returns true, or the error (logged) when it failed. */
  private async finishLogs(s: Settlement, required: boolean): Promise<true | Error> {
    try {
      await s.logs.close();
      return true;
    } catch (err) {
      s.logger.warn({ err, required }, 'final upload of the task logs failed');
      return isErrorLike(err) ? err : new Error(String(err));
    }
  }

  private async deadLetter(
    s: Settlement,
    reason: string,
    hubOutcome: 'failed' | 'not-failed',
  ): Promise<void> {
    await deadLetter(this.connection, this.names, s.delivery, reason, { [HEADERS.hubOutcome]: hubOutcome });
  }

  private finished(s: Settlement, state: SettledState, result?: KojiValue, error?: TaskError): SettledState {
    s.events.emit({
      type: 'task.finished',
      state,
      result: result === undefined ? undefined : toJson(result),
      error,
      durationMs: elapsed(s.started),
    });
    return state;
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** A hub result as JSON for the event: bigints as numbers (or strings when unsafe), buffers as base64. */
function toJson(value: KojiValue): never {
  const convert = (v: KojiValue): unknown => {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (Buffer.isBuffer(v)) return v.toString('base64');
    if (Array.isArray(v)) return v.map(convert);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    return v;
  };
  return convert(value) as never;
}
