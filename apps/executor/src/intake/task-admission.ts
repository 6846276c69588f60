import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { type AmqpTopology, type TaskMessage } from '@koji-farm/contracts';
import { AMQP_TOPOLOGY, AmqpConnection, type InboundMessage } from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { TaskCanceledError } from '../tasks/errors/task-canceled.error';
import { AttemptLease } from '../tasks/lease/attempt-lease';
import { TaskLeaseStore } from '../tasks/lease/task-lease.store';
import { RunningTasks } from '../tasks/running-tasks';
import { deliveryInfo } from './delivery-info';
import { handBackCopy } from './hand-back-copy';

/** Between looks at a lease another executor holds, and at Redis while it does not answer. */
const LEASE_POLL_MS = 1000;

/** What to do with a delivered task message. */
export type Admission =
  /** A new attempt: run it (it holds the task's lease). */
  | { kind: 'run'; lease: AttemptLease; generation: number }
  /** Settled already: adopted by the attempt running here, dropped, or handed back. */
  | { kind: 'handled' };

/**
 * Decides, before a task message takes a slot, whether it starts an attempt (ADR 0083):
 * - the task runs here in the same generation: a redelivery after a broker blip; the
 *   running attempt adopts the message and carries on (no new attempt);
 * - an older generation runs here: it is stopped (the poller reissued the task) and the
 *   new message takes its place; a message of an older generation than the running one
 *   is dropped;
 * - otherwise the task's lease in Redis decides: free → a new attempt, numbered by the
 *   lease (1, 2, 3 ...); settled for this generation → a leftover, acked; held by
 *   another live executor → wait up to TASK_LEASE_WAIT_SECONDS for it to end (settled:
 *   acked; expired: taken over), then hand the message back as a fresh copy.
 * While Redis does not answer, the message waits (held, no slot taken).
 */
@Injectable()
export class TaskAdmission {
  private readonly logger: LoggerLike;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    @Inject(RunningTasks) private readonly running: RunningTasks,
    @Inject(TaskLeaseStore) private readonly leases: TaskLeaseStore,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'task-admission' });
  }

  /** @param stopping true once the executor shuts down: the message is handed back. */
  async admit(task: TaskMessage, message: InboundMessage, stopping: () => boolean): Promise<Admission> {
    const { generation } = deliveryInfo(message);
    const logger = this.logger.child({ taskId: task.taskId, generation });
    const older = this.running.get(task.taskId);
    if (older) {
      if (older.generation > generation) {
        // Its subsession died with the poller's old master session (ADR 0053).
        logger.warn(
          { running: older.generation },
          'stale task message of an earlier generation; dropping it',
        );
        message.ack();
        return { kind: 'handled' };
      }
      if (older.generation === generation) {
        if (older.adopt(message)) {
          logger.info(
            { attempt: older.attempt, deliveryCount: message.deliveryCount },
            'task message redelivered to the executor running it; the attempt carries on and will settle this delivery',
          );
          await this.renewIfWorn(message, logger);
          return { kind: 'handled' };
        }
        if (!older.delivery?.isSettled && !older.delivery?.channelLost.aborted) {
          logger.info(
            { attempt: older.attempt },
            'a second copy of a task message that runs here; dropping it',
          );
          message.ack();
          return { kind: 'handled' };
        }
        // The attempt is settling: its lease says what happened once it is done.
        await older.done;
      } else {
        logger.warn(
          { olderAttempt: older.attempt, olderGeneration: older.generation },
          'task reissued while an older generation runs here; stopping the older one',
        );
        older.abort(new TaskCanceledError('superseded by a newer generation of the same task', true));
        await older.done;
      }
    }
    return this.claim(task, message, generation, logger, stopping);
  }

  /**
   * Each broker blip returns the message of a running attempt with its delivery count
   * raised; one short of the limit, the next blip would dead-letter a task that never
   * failed. Such a message is swapped for a fresh copy (no count): the copy goes back to
   * the queue, the attempt's lease keeps anyone else from running it, and whoever holds
   * it when the attempt settled drops it (or takes over if the attempt died).
   */
  private async renewIfWorn(message: InboundMessage, logger: LoggerLike): Promise<void> {
    if (message.deliveryCount < Math.max(1, this.config.deliveryLimit - 1)) return;
    try {
      await handBackCopy(this.connection, this.names, message);
      logger.info(
        { deliveryCount: message.deliveryCount, deliveryLimit: this.config.deliveryLimit },
        'swapped a worn task message for a fresh copy (the delivery limit counts broker blips)',
      );
    } catch (err) {
      logger.warn({ err }, 'could not swap a worn task message for a fresh copy; keeping it');
    }
  }

  private async claim(
    task: TaskMessage,
    message: InboundMessage,
    generation: number,
    logger: LoggerLike,
    stopping: () => boolean,
  ): Promise<Admission> {
    const waitUntil = Date.now() + this.config.lease.waitMs;
    let redisTrouble = false;
    let waitingFor: string | undefined;
    for (;;) {
      if (message.channelLost.aborted) return { kind: 'handled' }; // the broker has it back
      if (stopping()) {
        message.nack(true);
        return { kind: 'handled' };
      }
      let claim;
      try {
        claim = await this.leases.acquire(task.taskId, generation);
      } catch (err) {
        if (!redisTrouble) logger.warn({ err }, 'Redis unreachable: the task waits for its lease');
        redisTrouble = true;
        await delay(LEASE_POLL_MS);
        continue;
      }
      switch (claim.kind) {
        case 'acquired': {
          const lease = new AttemptLease(this.leases, task.taskId, claim.attempt, generation, logger);
          lease.start();
          return { kind: 'run', lease, generation };
        }
        case 'settled':
          logger.info(
            { attempt: claim.attempt, outcome: claim.outcome },
            'the task was settled on the hub by an earlier attempt; dropping its leftover message',
          );
          message.ack();
          return { kind: 'handled' };
        case 'mine':
        case 'held':
          if (Date.now() >= waitUntil) {
            logger.info(
              { attempt: claim.attempt, holder: claim.kind === 'held' ? claim.holder : this.leases.holder },
              'another attempt still holds the task; handing its message back to the queue (a fresh copy, no delivery counted)',
            );
            await handBackCopy(this.connection, this.names, message).catch((err: unknown) => {
              logger.warn({ err }, 'could not hand the message back as a copy; returning it');
              message.nack(true);
            });
            return { kind: 'handled' };
          }
          if (claim.kind === 'held' && waitingFor !== claim.holder) {
            waitingFor = claim.holder;
            logger.info(
              { attempt: claim.attempt, holder: claim.holder, leaseTtlMs: claim.ttlMs },
              'another executor runs this task (it holds the lease); waiting for it to end',
            );
          }
          await delay(LEASE_POLL_MS);
      }
    }
  }
}
