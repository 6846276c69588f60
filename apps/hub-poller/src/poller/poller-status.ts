import { Injectable } from '@nestjs/common';

export type PollerRole = 'starting' | 'standby' | 'leader' | 'stopping' | 'stopped';

/** What the poller is doing now, for its heartbeat event, /readyz and logs. */
@Injectable()
export class PollerStatus {
  readonly startedAt = new Date();
  role: PollerRole = 'starting';
  /** The `ready` the leader last sent in `host.updateHost`. */
  ready = false;
  lastLoopAt: Date | null = null;
  lastLoopError: string | null = null;
  loopRunning = false;
  /** performance.now() when this poller last became the leader; null while not leading. */
  leadingSince: number | null = null;

  get leader(): boolean {
    return this.role === 'leader';
  }
}
