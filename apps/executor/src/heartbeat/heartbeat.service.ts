import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { ExecutorStateStore } from '../containers/executor-state.store';
import { EventPublisher } from '../events/event-publisher';
import { KojiMethods } from '../tasks/handler/koji-methods';
import { RunningTasks } from '../tasks/running-tasks';
import { IntakeHealth } from '../health/intake-health';
import { EXECUTOR_VERSION } from './executor-version';

/**
 * Every HEARTBEAT_INTERVAL_MS: an `executor.heartbeat` event (what this executor offers
 * and how busy it is; the poller sizes its intake by these) and the executor's alive key
 * in Redis (the orphan reaper of other executors reads it). On stop, `executor.stopped`.
 * The alive key is renewed on time whatever the broker does: a heartbeat event waiting
 * for an absent broker must not hold it back, or other executors' reapers take this
 * one's running builds for orphans during a broker outage (ADR 0083). While one
 * heartbeat event waits, the next ones are skipped (they would only be stale).
 */
@Injectable()
export class HeartbeatService {
  private readonly logger: LoggerLike;
  private readonly startedAt = new Date().toISOString();
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  /** The heartbeat event on its way to the broker (it waits for the broker while it is away). */
  private publishing?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(ExecutorStateStore) private readonly state: ExecutorStateStore,
    @Inject(RunningTasks) private readonly running: RunningTasks,
    @Inject(KojiMethods) private readonly methods: KojiMethods,
    @Inject(IntakeHealth) private readonly health: IntakeHealth,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'heartbeat' });
  }

  /** Beats once now (so the farm knows this executor before it takes work), then on the interval. */
  async start(): Promise<void> {
    await this.beat(true);
    this.schedule();
  }

  /** Publishes `executor.stopped` and clears the alive key. Idempotent. */
  async stop(reason: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.beating;
    await this.publishing;
    try {
      await this.publisher.publish({
        type: 'executor.stopped',
        executorId: this.config.executorId,
        seq: ++this.seq,
        reason,
      });
    } catch (err) {
      this.logger.warn({ err }, 'could not publish executor.stopped');
    }
    try {
      await this.state.clearAlive(this.config.executorId);
    } catch (err) {
      this.logger.warn({ err }, 'could not clear the alive key');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.beating = this.beat().finally(() => this.schedule());
    }, this.config.heartbeatIntervalMs);
  }

  /** @param waitForEvent wait until the heartbeat event is published (at start only). */
  private async beat(waitForEvent = false): Promise<void> {
    try {
      await this.state.markAlive(this.config.executorId, this.config.reaper.executorGoneAfterMs);
    } catch (err) {
      this.logger.warn({ err }, 'could not renew the alive key in Redis');
    }
    if (this.publishing) return;
    this.publishing = this.publishHeartbeat().finally(() => (this.publishing = undefined));
    if (waitForEvent) await this.publishing;
  }

  private async publishHeartbeat(): Promise<void> {
    try {
      await this.publisher.publish({
        type: 'executor.heartbeat',
        executorId: this.config.executorId,
        seq: ++this.seq,
        arches: this.config.arches,
        methods: this.methods.names,
        slots: this.health.healthy ? this.config.slots : 0,
        busy: this.running.busy,
        orchestrating: this.running.orchestrating,
        orchestrationSlots: this.config.orchestrationSlots,
        load: this.running.load,
        version: EXECUTOR_VERSION,
        startedAt: this.startedAt,
        hostname: hostname(),
        problems: this.health.problems(),
        running: this.running.all().map((task) => ({
          taskId: task.taskId,
          generation: task.generation,
          attempt: task.attempt,
          buildroots: [...task.buildroots],
        })),
      });
    } catch (err) {
      this.logger.warn({ err }, 'could not publish a heartbeat');
    }
  }
}
