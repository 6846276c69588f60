import { setTimeout as delay } from 'node:timers/promises';
import { type PinoLogger } from 'nestjs-pino';
import { type FarmEvent, farmEventSchema } from '@koji-farm/contracts';
import { type InboundMessage } from '@koji-farm/messaging';
import { describeIssues } from '../api/describe-issues';
import { type MonitorMetrics } from '../metrics/monitor-metrics';
import { FoldRejectedError } from '../registry/errors/fold-rejected.error';
import { type EncodedEvent, encodeEvent } from '../registry/fold-arguments';
import { type BatchPosition, type FoldOutcome, type RegistryWriter } from '../registry/registry-writer';
import { type FoldProgress } from './fold-progress';

/** A delivered stream message waiting to be folded. */
export interface PendingMessage {
  message: InboundMessage;
  /** The consumer generation it was delivered to (a rebuild starts a new one). */
  generation: number;
  /** The subscription it came on (an AMQP reconnection starts a new one). */
  subscription: number;
  offset?: number;
  /** Offset of the message delivered before it on the same subscription (-1: none). */
  previousOffset: number;
  /** Set when the batch is sent (parsing late keeps waiting messages small); absent for an invalid one. */
  event?: FarmEvent;
  encoded?: EncodedEvent;
}

export interface FoldPipelineContext {
  writer: RegistryWriter;
  metrics: MonitorMetrics;
  progress: FoldProgress;
  logger: PinoLogger;
  currentEpoch: () => string;
  currentGeneration: () => number;
  /** Called when Redis says the registry is gone or of another generation. */
  onRegistryChanged: (reason: string) => Promise<void>;
}

interface InFlight {
  batch: PendingMessage[];
  encoded: EncodedEvent[];
  end?: BatchPosition;
  events: FarmEvent[];
  generation: number;
  epoch: string;
  reply: Promise<FoldOutcome[] | Error>;
}

const FOLD_BATCH = 250;
/** Batches sent before the first one's replies are read: Redis works while this process prepares the next. */
const MAX_IN_FLIGHT = 3;
const RETRY_MS = 1000;

/**
 * Folds delivered messages in stream order, in batches of one Redis pipeline each, with a
 * few batches in flight on the one connection (Redis runs them in order). Only the last
 * event of a batch carries its offset, with the offset read before the batch: the folded
 * offset moves only when it already covers that one, so a batch applied out of order
 * after a failure never makes it skip anything (docs/adr/0042-monitor-stream-offsets.md).
 */
export class FoldPipeline {
  private readonly queue: PendingMessage[] = [];
  private draining?: Promise<void>;
  private stopped = false;
  private readonly stopSignal = new AbortController();

  constructor(private readonly context: FoldPipelineContext) {}

  push(pending: PendingMessage): void {
    this.queue.push(pending);
    this.kick();
  }

  /** Waits for the batches in flight; what is still queued stays unacknowledged (the broker keeps it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    await this.draining;
    this.queue.length = 0;
  }

  private kick(): void {
    if (this.draining || this.stopped) return;
    this.draining = this.drain()
      .catch((err: unknown) => this.context.logger.error({ err }, 'the fold loop failed'))
      .finally(() => {
        this.draining = undefined;
        if (this.queue.length > 0) this.kick();
      });
  }

  private async drain(): Promise<void> {
    const inFlight: InFlight[] = [];
    while (!this.stopped && (this.queue.length > 0 || inFlight.length > 0)) {
      while (inFlight.length < MAX_IN_FLIGHT && this.queue.length > 0) {
        const sent = this.send(this.takeBatch());
        if (sent) inFlight.push(sent);
      }
      const head = inFlight.shift();
      if (!head) continue;
      try {
        await this.finish(head);
      } finally {
        for (const pending of head.batch) pending.message.ack();
      }
    }
  }

  /** Consecutive messages of one subscription; those of an old generation are let go at once. */
  private takeBatch(): PendingMessage[] {
    const generation = this.context.currentGeneration();
    const batch: PendingMessage[] = [];
    while (this.queue.length > 0 && batch.length < FOLD_BATCH) {
      const next = this.queue[0];
      if (batch.length > 0 && next.subscription !== batch[0].subscription) break;
      this.queue.shift();
      if (next.generation === generation) batch.push(next);
      else next.message.ack();
    }
    return batch;
  }

  private send(batch: PendingMessage[]): InFlight | undefined {
    if (batch.length === 0) return undefined;
    for (const pending of batch) this.parse(pending);
    const valid = batch.filter((p) => p.encoded);
    const encoded = valid.map((p) => p.encoded!);
    const offset = batch.at(-1)!.offset;
    const end = offset === undefined ? undefined : { offset, previousOffset: batch[0].previousOffset };
    const epoch = this.context.currentEpoch();
    const reply = this.context.writer
      .fold(encoded, epoch, end)
      .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    return {
      batch,
      encoded,
      end,
      events: valid.map((p) => p.event!),
      generation: batch[0].generation,
      epoch,
      reply,
    };
  }

  private async finish(head: InFlight): Promise<void> {
    const reply = await head.reply;
    const outcomes = reply instanceof Error ? await this.retry(head, reply) : reply;
    if (!outcomes) return;
    const now = Date.now();
    let changed: FoldOutcome | undefined;
    outcomes.forEach((outcome, i) => {
      if (outcome === 'lost' || outcome === 'epoch') changed ??= outcome;
      else this.record(head.events[i], outcome, now);
    });
    if (changed && head.generation === this.context.currentGeneration()) {
      await this.context.onRegistryChanged(
        changed === 'lost' ? 'Redis lost the registry' : 'another replica started a new registry generation',
      );
    }
  }

  /** Folds the batch again (folding is idempotent) until Redis answers; undefined when stopping. */
  private async retry(head: InFlight, error: Error): Promise<FoldOutcome[] | undefined> {
    let last = error;
    while (!this.stopped) {
      this.context.logger.warn(
        { err: last, events: head.encoded.length },
        'cannot fold into Redis; retrying',
      );
      await delay(RETRY_MS, undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
      if (this.stopped) return undefined;
      try {
        return await this.context.writer.fold(head.encoded, head.epoch, head.end);
      } catch (err) {
        last = err instanceof Error ? err : new Error(String(err));
      }
    }
    return undefined;
  }

  private parse(pending: PendingMessage): void {
    let raw: unknown;
    try {
      raw = JSON.parse(pending.message.content.toString('utf8'));
    } catch {
      this.skipInvalid(pending, 'not JSON');
      return;
    }
    const result = farmEventSchema.safeParse(raw);
    if (!result.success) {
      this.skipInvalid(pending, describeIssues(result.error));
      return;
    }
    pending.event = result.data;
    pending.encoded = encodeEvent(result.data);
  }

  private skipInvalid(pending: PendingMessage, reason: string): void {
    const { metrics, logger } = this.context;
    metrics.eventsFolded.inc({ type: pending.message.routingKey.slice(0, 64), result: 'invalid' });
    logger.warn(
      { offset: pending.offset, routingKey: pending.message.routingKey, reason },
      'skipping an invalid event',
    );
  }

  private record(event: FarmEvent, outcome: Exclude<FoldOutcome, 'lost' | 'epoch'>, now: number): void {
    const { metrics, progress, logger } = this.context;
    if (outcome instanceof FoldRejectedError) {
      metrics.eventsFolded.inc({ type: event.type, result: 'rejected' });
      logger.error({ err: outcome, type: event.type, eventId: event.id }, 'Redis refused an event; skipped');
      return;
    }
    metrics.eventsFolded.inc({ type: event.type, result: outcome });
    if (outcome !== 'folded') return;
    const lag = Math.max(0, now - Date.parse(event.at));
    progress.lastFoldedAt = now;
    progress.lastLagMs = lag;
    metrics.foldLag.set(lag / 1000);
    if (event.type === 'step.finished') {
      metrics.stepDuration.observe({ kind: event.kind, name: event.name }, event.durationMs / 1000);
    }
    if (event.type === 'buildroot.snapshot') metrics.buildrootSnapshots.inc({ outcome: event.outcome });
  }
}
