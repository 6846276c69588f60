import { z } from 'zod';
import { type ApiRoute, API_ROUTES } from './api-routes';

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'a parameter is invalid; the message names it',
  401: 'no valid Authorization: Bearer token (or dashboard session)',
  404: 'not in the registry',
  503: 'a dependency is unreachable',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(route: ApiRoute): JsonSchema[] {
  const result: JsonSchema[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const json = jsonSchema(schema, 'input');
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...propertySchema } = property;
      result.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        description,
        schema: propertySchema,
      });
    }
  };
  add(route.params, 'path');
  add(route.query, 'query');
  return result;
}

/** The OpenAPI 3.1 document of the monitor, generated from the route table and its zod schemas. */
export function buildOpenApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const schemas: Record<string, JsonSchema> = {
    Error: {
      type: 'object',
      properties: { error: { type: 'string' }, message: { type: 'string' } },
      required: ['error', 'message'],
    },
  };
  for (const route of API_ROUTES) {
    const responses: Record<string, JsonSchema> = {};
    const ok = route.method === 'get' ? '200' : '204';
    if (route.response === null) responses[ok] = { description: 'OK' };
    else if ('schema' in route.response) {
      schemas[route.response.name] = jsonSchema(route.response.schema, 'output');
      responses[ok] = {
        description: 'OK',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${route.response.name}` } } },
      };
    } else {
      responses[ok] = {
        description: route.response.description,
        content: { [route.response.contentType]: { schema: { type: 'string' } } },
      };
    }
    for (const status of route.errors) {
      responses[String(status)] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    (paths[route.path] ??= {})[route.method] = {
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      parameters: parameters(route),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
            },
          }
        : {}),
      responses,
      ...(route.public ? { security: [] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'koji-farm monitor',
      version,
      description:
        'Registry of the koji-farm build farm: status, executors, containers, tasks with steps and logs, live events. ' +
        'Errors are JSON {error, message}.',
    },
    servers: [{ url: '/' }],
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
