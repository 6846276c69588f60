import { z } from 'zod';
import { taskSummaryView } from './task.views';

const iso = z.iso.datetime().nullable();

export const executorView = z.object({
  id: z.string(),
  hostname: z.string().nullable(),
  state: z.enum(['alive', 'gone', 'stopped']).describe('gone: no heartbeat for 3 intervals'),
  arches: z.array(z.string()),
  methods: z.array(z.string()),
  slots: z.number().int(),
  busy: z.number().int(),
  orchestrating: z.number().int(),
  orchestrationSlots: z.number().int(),
  load: z.number(),
  version: z.string().nullable(),
  startedAt: iso,
  lastHeartbeatAt: iso,
  stoppedAt: iso,
  stopReason: z.string().nullable(),
  healthy: z
    .boolean()
    .describe('false while a problem keeps it from taking container tasks (its slots are 0)'),
  problems: z
    .array(z.object({ check: z.string(), message: z.string(), since: z.string() }))
    .describe(
      'why it takes no container tasks: podman (its API does not answer), disk (too little free space)',
    ),
});

export const executorDetailView = executorView.extend({
  runningTasks: z.array(taskSummaryView),
});

export const containerView = z.object({
  id: z.string(),
  taskId: z.number().int().nullable(),
  attempt: z.number().int().nullable(),
  executorId: z.string().nullable(),
  image: z.string().nullable(),
  state: z.enum(['created', 'running', 'removed', 'kept']).describe('kept: left in place for debugging'),
  createdAt: iso,
  startedAt: iso,
  removedAt: iso,
});

export const pollerView = z.object({
  id: z.string(),
  alive: z.boolean(),
  leader: z.boolean(),
  ready: z.boolean(),
  inFlight: z.number().int(),
  hub: z.object({
    url: z.string(),
    connected: z.boolean(),
    lastOkAt: iso,
    hostId: z.number().int().nullable(),
  }),
  startedAt: iso,
  lastHeartbeatAt: iso,
});

export const queueView = z.object({
  name: z.string(),
  depth: z.number().int().nullable().describe('messages ready in RabbitMQ; null when it cannot be read'),
  queuedTasks: z.number().int().describe('tasks the registry knows are waiting in it'),
});

export const statusView = z.object({
  at: z.iso.datetime(),
  hub: pollerView.shape.hub.nullable().describe("the leader poller's view of the hub"),
  poller: z.object({ leader: z.string().nullable(), pollers: z.array(pollerView) }),
  executors: z.object({ alive: z.number().int(), gone: z.number().int(), stopped: z.number().int() }),
  slots: z.object({
    total: z.number().int(),
    busy: z.number().int(),
    orchestration: z.object({ total: z.number().int(), busy: z.number().int() }),
  }),
  arches: z.record(
    z.string(),
    z.object({ executors: z.number().int(), slots: z.number().int(), busy: z.number().int() }),
  ),
  queues: z.array(queueView),
  tasks: z.record(z.string(), z.number().int()).describe('tasks in the registry by state'),
  eventsPerSecond: z.number().describe('events per second over the last 10 s'),
  buildrootSnapshots: z
    .object({
      hit: z.number().int().describe('clean buildroots started from a snapshot'),
      miss: z.number().int().describe('clean buildroots that installed their group'),
      hitRate: z.number().nullable().describe('hit / (hit + miss); null before any'),
    })
    .describe('buildroot snapshot outcomes since the registry began (ADR 0080), one per task attempt'),
  monitor: z.object({
    replica: z.string(),
    epoch: z.string().nullable(),
    foldedOffset: z.number().int().nullable().describe('every stream event up to this offset is folded'),
    subscribedFrom: z
      .union([z.literal('first'), z.number().int()])
      .nullable()
      .describe("where this replica's current read of the stream started"),
    lastFoldedAt: iso,
    foldLagMs: z.number().nullable(),
    rebuilds: z.number().int(),
  }),
});

export type ExecutorView = z.infer<typeof executorView>;
export type ExecutorDetailView = z.infer<typeof executorDetailView>;
export type ContainerView = z.infer<typeof containerView>;
export type PollerView = z.infer<typeof pollerView>;
export type QueueView = z.infer<typeof queueView>;
export type StatusView = z.infer<typeof statusView>;
