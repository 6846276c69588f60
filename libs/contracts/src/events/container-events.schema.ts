import { z } from 'zod';
import { taskScope } from './event-envelope';

const containerFields = {
  containerId: z.string().regex(/^[0-9a-f]{12,64}$/, 'expected a container id'),
  image: z.string(),
};

export const containerCreatedEvent = z.object({
  ...taskScope,
  type: z.literal('container.created'),
  ...containerFields,
});

export const containerStartedEvent = z.object({
  ...taskScope,
  type: z.literal('container.started'),
  ...containerFields,
});

export const containerRemovedEvent = z.object({
  ...taskScope,
  type: z.literal('container.removed'),
  ...containerFields,
  /** True when a failed task's container is kept for debugging instead (KEEP_FAILED_CONTAINERS). */
  kept: z.boolean().default(false),
});

export type ContainerCreatedEvent = z.infer<typeof containerCreatedEvent>;
export type ContainerStartedEvent = z.infer<typeof containerStartedEvent>;
export type ContainerRemovedEvent = z.infer<typeof containerRemovedEvent>;
