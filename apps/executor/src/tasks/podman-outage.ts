import { Inject, Injectable } from '@nestjs/common';
import { ATTEMPT_LABEL, ContainerManager, EXECUTOR_LABEL, TASK_LABEL } from '@koji-farm/container';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { NAMESPACE_LABEL, namespaceLabelValue } from '../containers/container-labels';
import { HealthChecks } from '../health/health-checks.service';

/** Times one attempt may start its task over after Podman trouble before it hands the task back. */
export const PODMAN_RESTARTS_PER_ATTEMPT = 3;

/**
 * An attempt that met Podman unreachable (the API service restarting, its socket gone)
 * does not hand its task back at once: every return counts towards the quorum queue's
 * delivery limit, and five returns in half a second failed tasks over a 15 s outage
 * (issue 17.1). It waits for Podman to answer (the executor meanwhile takes no task,
 * IntakeHealth), removes what is left of its containers and starts the task over in the
 * same attempt. Only an outage longer than PODMAN_OUTAGE_WAIT_SECONDS hands it back.
 */
@Injectable()
export class PodmanOutage {
  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
    @Inject(HealthChecks) private readonly health: HealthChecks,
  ) {}

  /**
   * Waits until Podman answers again; true when the attempt may start over, false when
   * the wait ran out or the attempt was stopped (cancel, shutdown, timeout) meanwhile.
   */
  async waitOut(
    attempt: { taskId: number; attempt: number; signal: AbortSignal },
    reason: string,
    logger: LoggerLike,
  ): Promise<boolean> {
    await this.health.podmanTrouble();
    const waitMs = this.config.podmanOutageWaitMs;
    logger.warn(
      { reason, waitMs },
      'Podman trouble: waiting for Podman, then starting the task over in this attempt',
    );
    const started = performance.now();
    if (!(await this.health.waitForPodman(attempt.signal, waitMs))) {
      if (!attempt.signal.aborted)
        logger.warn({ waitMs }, 'Podman did not answer in time; handing the task back');
      return false;
    }
    logger.info({ waitedMs: Math.round(performance.now() - started) }, 'Podman answers again');
    await this.removeLeftovers(attempt, logger);
    return true;
  }

  /** Containers of this attempt that outlived the outage (their removal failed while Podman was away). */
  private async removeLeftovers(
    attempt: { taskId: number; attempt: number },
    logger: LoggerLike,
  ): Promise<void> {
    const left = await this.containers.listByLabel({
      [EXECUTOR_LABEL]: this.config.executorId,
      [TASK_LABEL]: String(attempt.taskId),
      [ATTEMPT_LABEL]: String(attempt.attempt),
      [NAMESPACE_LABEL]: namespaceLabelValue(this.config.amqp.namespace),
    });
    for (const container of left) {
      await this.containers.remove(container, { force: true });
      logger.info({ containerId: container.id }, 'removed a container the Podman outage left behind');
    }
  }
}
