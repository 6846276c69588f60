import { Injectable } from '@nestjs/common';

/** What this replica's consumer has done, for /status (kept in memory, per replica). */
@Injectable()
export class FoldProgress {
  epoch: string | null = null;
  /** When this replica last folded an event, and how old that event was. */
  lastFoldedAt: number | null = null;
  lastLagMs: number | null = null;
  rebuilds = 0;
  /** Where the current subscription started: 'first' or an offset. */
  subscribedFrom: 'first' | number | null = null;
}
