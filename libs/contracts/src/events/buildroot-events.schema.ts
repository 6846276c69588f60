import { z } from 'zod';
import { taskScope } from './event-envelope';

export const buildrootState = z.enum(['INIT', 'WAITING', 'BUILDING', 'EXPIRED']);

/** A buildroot of the task changed state on the hub. */
export const buildrootStateEvent = z.object({
  ...taskScope,
  type: z.literal('buildroot.state'),
  brootId: z.number().int().positive(),
  state: buildrootState,
});

export type BuildrootState = z.infer<typeof buildrootState>;
export type BuildrootStateEvent = z.infer<typeof buildrootStateEvent>;
