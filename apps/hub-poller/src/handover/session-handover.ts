import { Inject, Injectable } from '@nestjs/common';
import {
  type AmqpTopology,
  type SessionHandoverMessage,
  type SessionHandoverReply,
  sessionHandoverMessageSchema,
} from '@koji-farm/contracts';
import { type SessionCredentials } from '@koji-farm/koji';
import {
  AMQP_TOPOLOGY,
  AmqpConnection,
  AmqpServer,
  type ConsumerHandle,
  type DecodedMessage,
  type InboundMessage,
} from '@koji-farm/messaging';
import { type LoggerLike } from '@koji-farm/observability';
import { type TaskClaim } from '../capacity/capacity-tracker';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { PollerMetrics } from '../health/poller-metrics';
import { HubGateway } from '../hub/hub-gateway';
import { LeaderLease } from '../lease/leader-lease';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { type InFlightTask } from '../state/in-flight-task';

/** What became of one handover. */
export type HandoverOutcome =
  | { kind: 'taken'; subsessionId: number; executorId: string; attempt: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'unanswered' };

/**
 * A new master session makes the hub refuse every subsession of the old one, including
 * those of attempts that run (auth.py: "User locked by another session"). Instead of
 * reissuing such a task (and building it again), the leader mints a subsession of its
 * own master for the attempt and sends it to the executor that claims the attempt in
 * its heartbeats (`session` on `koji.control`, ADR 0082); the executor answers on this
 * poller's own reply queue. A handover nobody takes within HANDOVER_REPLY_TIMEOUT has
 * its subsession logged out again, and the caller reissues the task.
 */
@Injectable()
export class SessionHandover {
  /** This poller's reply queue: exclusive, auto-delete, reached through the default exchange. */
  readonly replyQueue: string;
  private consumer?: ConsumerHandle;
  private readonly waiting = new Map<string, (reply: SessionHandoverReply) => void>();
  private readonly logger: LoggerLike;

  constructor(
    private readonly server: AmqpServer,
    private readonly amqp: AmqpConnection,
    @Inject(AMQP_TOPOLOGY) private readonly names: AmqpTopology,
    private readonly hub: HubGateway,
    private readonly lease: LeaderLease,
    private readonly metrics: PollerMetrics,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.replyQueue = `${names.controlExchange}.reply.hub-poller.${config.pollerId}.${lease.instance}`;
    this.logger = logger.child({ component: 'handover' });
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    this.consumer = await this.server.consume<unknown>({
      queue: this.replyQueue,
      consume: {
        prefetch: 100,
        exclusive: true,
        declare: async (channel) => {
          await channel.assertQueue(this.replyQueue, { exclusive: true, autoDelete: true, durable: false });
        },
      },
      decode: decodeReply,
      refuse: 'drop',
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.cancel();
  }

  /** An executor's answer (SessionHandoverRepliesController). */
  onReply(reply: SessionHandoverReply): void {
    const waiter = this.waiting.get(reply.handoverId);
    if (waiter) waiter(reply);
    else
      this.logger.debug(
        { handoverId: reply.handoverId, taskId: reply.taskId },
        'late handover reply ignored',
      );
  }

  /** Mints a subsession for the attempt `claim` names, sends it, and waits (bounded) for the executor's answer. */
  async handOver(task: InFlightTask, claim: TaskClaim, signal?: AbortSignal): Promise<HandoverOutcome> {
    const log = this.logger.child({
      taskId: task.taskId,
      executorId: claim.executorId,
      generation: task.generation,
    });
    this.lease.assertHeld('hand a session over');
    const session = await this.hub.mintSubsession(task.taskId, signal);
    const handoverId = `${this.hub.sessionId}-${task.taskId}-${claim.executorId}-a${claim.attempt}`;
    const answered = this.awaitReply(handoverId, signal);
    let reply: SessionHandoverReply | null;
    try {
      this.lease.assertHeld('hand a session over');
      await this.publish({
        v: 1,
        type: 'session',
        taskId: task.taskId,
        executorId: claim.executorId,
        generation: task.generation,
        handoverId,
        session,
        replyTo: this.replyQueue,
      });
      reply = await answered.reply;
    } catch (err) {
      answered.cancel();
      await this.endUnused(session, log);
      throw err;
    }
    if (reply?.taken) {
      this.metrics.sessionHandovers.inc({ outcome: 'taken' });
      log.info(
        { attempt: reply.attempt, subsessionId: session.id },
        "the running attempt took the new master's subsession: it carries on",
      );
      return {
        kind: 'taken',
        subsessionId: session.id,
        executorId: claim.executorId,
        attempt: reply.attempt ?? claim.attempt,
      };
    }
    await this.endUnused(session, log);
    if (reply) {
      this.metrics.sessionHandovers.inc({ outcome: 'refused' });
      log.info({ reason: reply.reason }, 'the executor did not take the session handover');
      return { kind: 'refused', reason: reply.reason };
    }
    this.metrics.sessionHandovers.inc({ outcome: 'unanswered' });
    log.warn({ timeoutMs: this.config.handoverReplyTimeoutMs }, 'no executor answered the session handover');
    return { kind: 'unanswered' };
  }

  private async publish(message: SessionHandoverMessage): Promise<void> {
    await this.amqp.publish(this.names.controlExchange, '', sessionHandoverMessageSchema.parse(message), {
      mandatory: false,
      messageId: `session-${message.handoverId}`,
    });
  }

  private awaitReply(
    handoverId: string,
    signal?: AbortSignal,
  ): { reply: Promise<SessionHandoverReply | null>; cancel: () => void } {
    let finish!: (reply: SessionHandoverReply | null) => void;
    const reply = new Promise<SessionHandoverReply | null>((resolve) => {
      const timer = setTimeout(() => finish(null), this.config.handoverReplyTimeoutMs);
      const onAbort = () => finish(null);
      signal?.addEventListener('abort', onAbort, { once: true });
      finish = (value) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiting.delete(handoverId);
        resolve(value);
      };
      this.waiting.set(handoverId, finish);
    });
    return { reply, cancel: () => finish(null) };
  }

  /** A handed subsession nobody took must not stay usable: an attempt that takes it late cannot race a reissue. */
  private async endUnused(session: SessionCredentials, log: LoggerLike): Promise<void> {
    try {
      await this.hub.logoutChild(session.id);
    } catch (err) {
      log.debug({ err }, 'could not end an unused handover subsession');
    }
  }
}

function decodeReply(message: InboundMessage): DecodedMessage<unknown> {
  try {
    const data = JSON.parse(message.content.toString('utf8')) as { type?: unknown };
    return { pattern: typeof data.type === 'string' ? data.type : 'unknown', data };
  } catch {
    return { refused: 'a handover reply that is not JSON' };
  }
}
