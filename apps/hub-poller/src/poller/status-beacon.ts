import { Inject, Injectable } from '@nestjs/common';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';
import { HubGateway } from '../hub/hub-gateway';
import { PollerEvents } from '../messaging/poller-events';
import { InFlightStore } from '../state/in-flight-store';
import { PollerStatus } from './poller-status';

/**
 * Publishes `poller.heartbeat` on a timer of its own (every poll interval, at least
 * 1 s apart, at most 5 s), so the monitor sees a poller waiting out a hub outage too.
 */
@Injectable()
export class StatusBeacon {
  private timer?: NodeJS.Timeout;
  private sending?: Promise<void>;

  constructor(
    private readonly events: PollerEvents,
    private readonly status: PollerStatus,
    private readonly hub: HubGateway,
    private readonly inFlight: InFlightStore,
    @Inject(HUB_POLLER_CONFIG) private readonly config: HubPollerConfig,
  ) {}

  start(): void {
    if (this.timer) return;
    const every = Math.min(5000, Math.max(1000, this.config.pollIntervalMs));
    this.timer = setInterval(() => void this.send(), every);
    void this.send();
  }

  /** Stops the timer and sends a last heartbeat (leader: false, ready: false). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sending;
    await this.send();
  }

  /** Never rejects: PollerEvents logs its own failures. */
  private send(): Promise<void> {
    const connection = this.hub.connection;
    this.sending = this.events.heartbeat({
      leader: this.status.leader,
      hub: {
        url: this.config.hub.url,
        connected: connection.connected,
        lastOkAt: connection.lastOkAt?.toISOString() ?? null,
        hostId: this.hub.hostId,
      },
      inFlight: this.inFlight.size,
      ready: this.status.ready,
      startedAt: this.status.startedAt.toISOString(),
    });
    return this.sending;
  }
}
