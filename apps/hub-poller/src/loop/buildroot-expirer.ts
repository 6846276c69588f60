import { Inject, Injectable } from '@nestjs/common';
import { type LoggerLike } from '@koji-farm/observability';
import { HubGateway } from '../hub/hub-gateway';
import { PollerEvents } from '../messaging/poller-events';
import { POLLER_LOGGER } from '../poller/poller-logger';
import { InFlightStore } from '../state/in-flight-store';
import { endsLoop } from './ends-loop';
import { ExecutorClaims } from './executor-claims';

/**
 * Protocol §4 step 2 (kojid's updateBuildroots, hub side only: executors remove their
 * containers themselves): a buildroot of this host not yet EXPIRED whose task the farm
 * no longer runs (or that has no task) is expired, and `buildroot.state` EXPIRED published
 * for the task's buildroots. "No longer runs": not in the in-flight set and not claimed by
 * a live executor's heartbeat (ExecutorClaims).
 */
@Injectable()
export class BuildrootExpirer {
  private readonly logger: LoggerLike;

  constructor(
    private readonly hub: HubGateway,
    private readonly inFlight: InFlightStore,
    private readonly events: PollerEvents,
    private readonly claims: ExecutorClaims,
    @Inject(POLLER_LOGGER) logger: LoggerLike,
  ) {
    this.logger = logger.child({ component: 'buildroots' });
  }

  async expireStale(hostId: number, signal?: AbortSignal): Promise<number> {
    let expired = 0;
    const roots = (await this.hub.listBuildroots(hostId, signal)).filter(
      (root) => root.task_id === null || !this.inFlight.has(root.task_id),
    );
    if (roots.length === 0) return 0;
    // A buildroot may look stale only because Redis lost the record of its task: expire
    // nothing before every executor was heard from, and nothing a running attempt holds.
    if (!this.claims.settled()) return 0;
    const claims = this.claims.current();
    const held = this.claims.buildroots(claims);
    for (const root of roots) {
      if (held.has(root.id) || (root.task_id !== null && claims.has(root.task_id))) continue;
      try {
        await this.hub.expireBuildroot(root.id, signal);
        expired++;
        // No attempt will say so: the monitor learns it from the poller.
        if (root.task_id !== null) await this.events.buildrootExpired(root.task_id, root.id);
        this.logger.info(
          { buildrootId: root.id, taskId: root.task_id, tag: root.tag_name, arch: root.arch },
          root.task_id === null
            ? 'expired a taskless buildroot'
            : 'expired the buildroot of a task no longer running here',
        );
      } catch (err) {
        if (endsLoop(err, signal)) throw err;
        this.logger.error(
          { err, buildrootId: root.id, taskId: root.task_id },
          'could not expire a buildroot',
        );
      }
    }
    return expired;
  }
}
