import { z } from 'zod';
import { isoTime } from '../common';
import { pollerScope } from './event-envelope';

/** Every poll loop (at most every few seconds): the poller's view of the hub and its role. */
export const pollerHeartbeatEvent = z.object({
  ...pollerScope,
  type: z.literal('poller.heartbeat'),
  /** True for the poller holding the lease, false for a standby. */
  leader: z.boolean(),
  hub: z.object({
    url: z.url(),
    connected: z.boolean(),
    lastOkAt: isoTime.nullable(),
    hostId: z.number().int().positive().nullable(),
  }),
  inFlight: z.number().int().nonnegative(),
  ready: z.boolean(),
  startedAt: isoTime,
});

export type PollerHeartbeatEvent = z.infer<typeof pollerHeartbeatEvent>;
