import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config';
import { RegistryWriter } from '../registry/registry-writer';

const SWEEP_BATCH = 500;

/**
 * Drops finished tasks, removed containers and gone executors once their history TTL
 * has passed. Every replica sweeps; the sweep script is atomic, so they never collide.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly writer: RegistryWriter,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(ExpirySweeper.name);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, 'sweeping expired history failed'))
        .finally(() => (this.running = undefined));
    }, this.config.fold.sweepIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sweeps until nothing due is left; returns how many things were dropped. */
  async sweep(now = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const dropped = await this.writer.sweep(now, SWEEP_BATCH);
      total += dropped;
      if (dropped < SWEEP_BATCH) break;
    }
    if (total > 0) this.logger.debug({ dropped: total }, 'expired history dropped');
    return total;
  }
}
