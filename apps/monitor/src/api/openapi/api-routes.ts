import { z } from 'zod';
import { eventsQuerySchema } from '../../live/event-filter';
import { containerView, executorDetailView, executorView, statusView } from '../../registry/views/farm.views';
import { logInfoView, taskDetailView, taskPageView } from '../../registry/views/task.views';
import {
  containerParams,
  containersQuery,
  executorParams,
  followQuery,
  logParams,
  logQuery,
  sessionBody,
  taskParams,
  tasksQuery,
} from '../request-schemas';

/** One route as the OpenAPI document describes it, from the same zod schemas the controllers use. */
export interface ApiRoute {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `/api/v1/tasks/{id}` */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  /** A named JSON response, or another content type. */
  response: { name: string; schema: z.ZodType } | { contentType: string; description: string } | null;
  errors: number[];
  public?: boolean;
}

const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/api/v1/status',
    tag: 'farm',
    summary: 'The farm at a glance: hub, pollers, executors and slots, queue depths, tasks, events/s',
    response: { name: 'Status', schema: statusView },
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/api/v1/executors',
    tag: 'farm',
    summary: 'Executors with their slots and last heartbeat',
    response: { name: 'ExecutorList', schema: list(executorView) },
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/api/v1/executors/{id}',
    tag: 'farm',
    summary: 'One executor and the tasks running on it',
    params: executorParams,
    response: { name: 'ExecutorDetail', schema: executorDetailView },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/containers',
    tag: 'farm',
    summary: 'Containers, newest first (active = created or running)',
    query: containersQuery,
    response: { name: 'ContainerList', schema: list(containerView) },
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/api/v1/containers/{id}',
    tag: 'farm',
    summary: 'One container',
    params: containerParams,
    response: { name: 'Container', schema: containerView },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/tasks',
    tag: 'tasks',
    summary: 'Tasks, newest (highest id) first, filtered and paged with a cursor',
    query: tasksQuery,
    response: { name: 'TaskPage', schema: taskPageView },
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/api/v1/tasks/{id}',
    tag: 'tasks',
    summary: 'One task: attempts, steps with timings and exit codes, current step, logs, why it waits',
    params: taskParams,
    response: { name: 'TaskDetail', schema: taskDetailView },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/tasks/{id}/logs',
    tag: 'logs',
    summary: "The task's logs (per attempt), with their sizes",
    params: taskParams,
    response: { name: 'LogList', schema: list(logInfoView) },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/tasks/{id}/logs/{name}',
    tag: 'logs',
    summary: 'A task log as text, from a byte offset or its last lines',
    description:
      'Headers: X-Log-Attempt, X-Log-Offset, X-Log-Next-Offset (continue from here), X-Log-Size, X-Log-Complete, X-Log-Truncated.',
    params: logParams,
    query: logQuery,
    response: { contentType: 'text/plain', description: 'the log bytes (UTF-8)' },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/tasks/{id}/logs/{name}/follow',
    tag: 'logs',
    summary: 'Follow a task log (Server-Sent Events)',
    description:
      '`log` events carry `{offset, data}` with the next offset as their id (Last-Event-ID resumes); `end` closes a finished log.',
    params: logParams,
    query: followQuery,
    response: {
      contentType: 'text/event-stream',
      description: 'the log, then appended pieces as they arrive',
    },
    errors: [400, 401, 404],
  },
  {
    method: 'get',
    path: '/api/v1/events',
    tag: 'events',
    summary: 'Live events (WebSocket)',
    description:
      'Upgrade to a WebSocket. Text messages: `{kind:"events", items:[{cursor, event}, ...]}` (one or more events in ' +
      'stream order), `{kind:"ready", cursor}` once caught up, ' +
      '`{kind:"gap", message}` when the cursor is older than the retained stream. Resume with `since=<cursor>`. ' +
      'Clients that do not keep up are closed with code 4008. Log chunks carry at most 8 KiB of data here ' +
      '(`dataTruncated: true` when cut); read the whole log over REST.',
    query: eventsQuerySchema,
    response: null,
    errors: [400, 401],
  },
  {
    method: 'post',
    path: '/api/v1/session',
    tag: 'auth',
    summary: 'Exchange the API token for a dashboard session cookie',
    body: sessionBody,
    response: null,
    errors: [400, 401],
    public: true,
  },
  {
    method: 'delete',
    path: '/api/v1/session',
    tag: 'auth',
    summary: 'Forget the dashboard session cookie',
    response: null,
    errors: [],
    public: true,
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    response: { contentType: 'text/plain', description: 'Prometheus text exposition' },
    errors: [401],
  },
  {
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    summary: 'Liveness',
    response: null,
    errors: [],
    public: true,
  },
  {
    method: 'get',
    path: '/readyz',
    tag: 'operations',
    summary: 'Readiness: Redis and RabbitMQ reachable (503 otherwise)',
    response: null,
    errors: [503],
    public: true,
  },
];
