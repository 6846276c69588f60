import { type z } from 'zod';
import { executorConfigSchema } from '../../apps/executor/src/config/executor.config';
import { hubPollerConfigSchema } from '../../apps/hub-poller/src/config/hub-poller.config';
import { monitorConfigSchema } from '../../apps/monitor/src/config/monitor.config';

export type AppName = 'hub-poller' | 'executor' | 'monitor';

/** Each app's config schema: environment keys validated at boot (`loadConfig`). */
export const APP_CONFIG_SCHEMAS: Record<AppName, z.ZodType> = {
  'hub-poller': hubPollerConfigSchema,
  executor: executorConfigSchema,
  monitor: monitorConfigSchema,
};

/**
 * The environment keys of an app's schema, each with its zod type. The schemas are
 * `z.object({...}).refine(...).transform(...)`: the object is the pipe's input.
 */
export function configShape(schema: z.ZodType): Record<string, z.ZodType> {
  let current = schema as unknown as { in?: unknown; shape?: Record<string, z.ZodType> };
  while (!current.shape && current.in) current = current.in;
  if (!current.shape)
    throw new Error('expected a z.object() config schema (optionally refined and transformed)');
  return current.shape;
}
