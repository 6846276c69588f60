import { z } from 'zod';
import { farmEventSchema } from './events/farm-event.schema';
import { controlMessageSchema } from './messages/control-message.schema';
import { taskMessageSchema } from './messages/task-message.schema';

/**
 * The public contracts as JSON Schema documents, keyed by the file name they are
 * published under in docs/contracts/. External dashboards validate against these.
 */
export function contractJsonSchemas(): Record<string, unknown> {
  const toJson = (schema: z.ZodType, title: string) => ({
    ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
    title,
  });
  return {
    'events.schema.json': toJson(farmEventSchema, 'koji-farm event (koji.events, routing key = type)'),
    'task-message.schema.json': toJson(taskMessageSchema, 'koji-farm task message (koji.tasks)'),
    'control-message.schema.json': toJson(controlMessageSchema, 'koji-farm control message (koji.control)'),
  };
}
