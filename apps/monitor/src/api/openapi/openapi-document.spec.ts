import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ContainersController } from '../containers.controller';
import { ExecutorsController } from '../executors.controller';
import { LogsController } from '../logs.controller';
import { SessionController } from '../session.controller';
import { StatusController } from '../status.controller';
import { TasksController } from '../tasks.controller';
import { MetricsController } from '../../metrics/metrics.controller';
import { HealthController } from '../../health/health.controller';
import { API_ROUTES } from './api-routes';
import { buildOpenApiDocument } from './openapi-document';

const CONTROLLERS = [
  StatusController,
  ExecutorsController,
  ContainersController,
  TasksController,
  LogsController,
  SessionController,
  MetricsController,
  HealthController,
];

/** `METHOD /path/{param}` of every route the controllers declare. */
function declaredRoutes(): string[] {
  const routes: string[] = [];
  for (const controller of CONTROLLERS) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prototype = controller.prototype as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const path = String(Reflect.getMetadata(PATH_METADATA, handler));
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
      routes.push(`${method} ${full}`);
    }
  }
  return routes.sort();
}

describe(buildOpenApiDocument.name, () => {
  it('documents exactly the routes the controllers serve (and the WebSocket)', () => {
    const documented = API_ROUTES.filter((r) => r.path !== '/api/v1/events').map(
      (r) => `${r.method.toUpperCase()} ${r.path}`,
    );
    expect(documented.sort()).toEqual(declaredRoutes());
  });

  it('describes query parameters from the zod schemas, with what they accept', () => {
    const sut = buildOpenApiDocument('1.0.0') as {
      paths: Record<string, Record<string, { parameters: Array<Record<string, unknown>> }>>;
    };
    const limit = sut.paths['/api/v1/tasks'].get.parameters.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false });
    const id = sut.paths['/api/v1/tasks/{id}'].get.parameters.find((p) => p.name === 'id');
    expect(id).toMatchObject({ in: 'path', required: true });
    expect(sut.paths['/healthz'].get).toMatchObject({ security: [] });
  });
});
