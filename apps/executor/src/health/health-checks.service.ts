import { Inject, Injectable } from '@nestjs/common';
import { ContainerManager } from '@koji-farm/container';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { errorText } from '../tasks/errors/error-text';
import { freeSpaceBytes } from './free-space';
import { IntakeHealth } from './intake-health';

const MB = 1024 * 1024;

/**
 * Checks, at start and every HEARTBEAT_INTERVAL_MS, what a container task needs: that
 * Podman's API answers, and that the work directory's file system has MIN_FREE_SPACE_MB
 * free (kojid's `minspace`). Findings go to IntakeHealth, which pauses the intake and
 * tells the heartbeats. A task that met Podman trouble asks for a check at once
 * (`podmanTrouble`) and may wait for Podman to answer again (`waitForPodman`).
 */
@Injectable()
export class HealthChecks {
  private readonly logger: LoggerLike;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly podmanWaiters = new Set<() => void>();

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
    @Inject(IntakeHealth) private readonly health: IntakeHealth,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'health' });
  }

  /** Checks once now, then on the interval. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.checkNow();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const wake of this.podmanWaiters) wake();
  }

  /** Runs both checks now (one run at a time; a call during a run waits for it). */
  checkNow(): Promise<void> {
    this.running ??= Promise.all([this.checkPodman(), this.checkDisk()])
      .then(() => undefined)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** A task met a Podman error: check at once rather than at the next interval. */
  podmanTrouble(): Promise<void> {
    return this.checkNow();
  }

  /**
   * Resolves true once Podman answers (at once if it does now), false after `maxMs` or
   * when `signal` aborts or the checks stop. Checks keep running on their interval meanwhile.
   */
  async waitForPodman(signal: AbortSignal, maxMs: number): Promise<boolean> {
    await this.checkNow();
    if (!this.health.has('podman')) return true;
    return new Promise<boolean>((resolve) => {
      const done = (answer: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.podmanWaiters.delete(wake);
        resolve(answer);
      };
      const wake = () => done(!this.health.has('podman') && !signal.aborted);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), maxMs);
      if (signal.aborted) return done(false);
      signal.addEventListener('abort', onAbort, { once: true });
      this.podmanWaiters.add(wake);
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.checkNow().finally(() => this.schedule());
    }, this.config.heartbeatIntervalMs);
    this.timer.unref();
  }

  private async checkPodman(): Promise<void> {
    try {
      await this.containers.ping();
      if (this.health.clear('podman')) this.logger.info('Podman answers again; taking container tasks again');
      for (const wake of this.podmanWaiters) wake();
    } catch (err) {
      const message = `Podman's API does not answer: ${errorText(err)}`;
      if (this.health.report('podman', message))
        this.logger.warn({ reason: message }, 'taking no container tasks until Podman answers again');
    }
  }

  private async checkDisk(): Promise<void> {
    const dir = this.config.workDir;
    const minBytes = this.config.minFreeSpaceMb * MB;
    let free: number;
    try {
      free = await freeSpaceBytes(dir);
    } catch (err) {
      this.logger.warn({ err, workDir: dir }, 'cannot tell the free space of the work directory');
      return;
    }
    if (free >= minBytes) {
      if (this.health.clear('disk'))
        this.logger.info(
          { freeMb: Math.floor(free / MB) },
          'enough disk again; taking container tasks again',
        );
      return;
    }
    const message = `${Math.floor(free / MB)} MB free under ${dir}, below MIN_FREE_SPACE_MB ${this.config.minFreeSpaceMb}`;
    if (this.health.report('disk', message))
      this.logger.warn({ reason: message }, 'taking no container tasks until there is enough disk');
  }
}
