import { Inject, Injectable } from '@nestjs/common';
import { KojiFault } from '@koji-farm/koji';
import { type InboundMessage } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { PollerMetrics } from '../health/poller-metrics';
import { HubGateway } from '../hub/hub-gateway';
import { TASK_STATE, taskStateName } from '../hub/koji-states';
import { LeaderLease } from '../lease/leader-lease';
import { endsLoop } from '../loop/ends-loop';
import { TaskPublisher } from '../messaging/task-publisher';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { InFlightStore } from '../state/in-flight-store';
import { type InFlightTask } from '../state/in-flight-task';
import { type DeadLetterFacts, readDeadLetter } from './dead-letter-facts';

/** `ack`: done with it (whatever was done); `requeue`: try again later (leadership, hub or broker trouble). */
export type DeadLetterVerdict = 'ack' | 'requeue';

/**
 * One dead task message (ADR 0058): unless the executor already failed the task on the
 * hub, fails it there with the reason — when it is a task this farm has in flight, of
 * the message's generation, and still OPEN on this host — and forgets it. A task still
 * OPEN with nobody working on it would otherwise stay OPEN for ever.
 */
@Injectable()
export class DeadLetterHandler {
  private readonly logger: LoggerLike;

  constructor(
    private readonly hub: HubGateway,
    private readonly inFlight: InFlightStore,
    private readonly lease: LeaderLease,
    private readonly publisher: TaskPublisher,
    private readonly metrics: PollerMetrics,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'dead-letters' });
  }

  async handle(message: InboundMessage, signal?: AbortSignal): Promise<DeadLetterVerdict> {
    const facts = readDeadLetter(message.headers, message.content, this.publisher.deliveryLimit);
    if (facts.taskId === null) {
      this.logger.error(
        { reason: facts.reason, problem: facts.unreadable, queue: facts.queue },
        'dead task message without a task id: no task can be failed on the hub for it',
      );
      return this.done('unreadable');
    }
    const log = this.logger.child({ taskId: facts.taskId, generation: facts.generation });
    if (facts.hubOutcome === 'failed') {
      log.info(
        { reason: facts.reason },
        'dead task message: the executor already failed the task on the hub',
      );
      return this.done('already-failed');
    }
    try {
      return await this.failOnHub(facts, facts.taskId, log, signal);
    } catch (err) {
      if (endsLoop(err, signal)) {
        log.warn({ err }, 'could not handle a dead task message now; it goes back to its queue');
        this.metrics.deadLetters.inc({ outcome: 'requeued' });
        return 'requeue';
      }
      log.error({ err, reason: facts.reason }, 'could not fail a dead-lettered task on the hub');
      return this.done('error');
    }
  }

  private async failOnHub(
    facts: DeadLetterFacts,
    taskId: number,
    log: LoggerLike,
    signal?: AbortSignal,
  ): Promise<DeadLetterVerdict> {
    const record = await this.inFlight.whenRecorded(taskId);
    if (!record) {
      log.warn(
        { reason: facts.reason },
        'dead task message of a task this farm has not in flight: left alone',
      );
      return this.done('not-in-flight');
    }
    if (record.generation > facts.generation) {
      log.info(
        { reason: facts.reason, current: record.generation },
        'dead task message of an earlier generation: the reissued message is the task now',
      );
      return this.done('stale');
    }
    const state = await this.hub.getTaskState(taskId, signal);
    if (!state || state.state !== TASK_STATE.OPEN || state.host_id !== this.hub.hostId) {
      log.info(
        { reason: facts.reason, state: state ? taskStateName(state.state) : 'gone', hostId: state?.host_id },
        'dead task message of a task no longer OPEN on this host: nothing to fail',
      );
      return this.done('not-open');
    }
    const text = `koji-farm could not run the task: its message was dead-lettered: ${facts.reason}`;
    this.lease.assertHeld('fail a dead-lettered task');
    try {
      await this.hub.failTask(taskId, text, signal);
    } catch (err) {
      if (!(err instanceof KojiFault) || err.retryable) throw err;
      log.warn({ err, reason: facts.reason }, 'the hub refused to fail the dead-lettered task');
      return this.done('refused');
    }
    this.metrics.tasksFailed.inc();
    log.error({ reason: facts.reason, queue: facts.queue }, 'failed a dead-lettered task on the hub');
    await this.forget(record, log);
    return this.done('failed');
  }

  /** The task left the farm: its record and its message's subsession go (ADR 0061). */
  private async forget(record: InFlightTask, log: LoggerLike): Promise<void> {
    await this.inFlight.remove([record.taskId]);
    this.metrics.inFlight.set(this.inFlight.size);
    if (record.masterSessionId !== this.hub.sessionId || record.subsessionId === null) return;
    try {
      await this.hub.logoutChild(record.subsessionId);
    } catch (err) {
      log.debug({ err }, 'could not end the task subsession');
    }
  }

  private done(outcome: string): DeadLetterVerdict {
    this.metrics.deadLetters.inc({ outcome });
    return 'ack';
  }
}
