import { z } from 'zod';

/**
 * The parts of hub replies the poller relies on, checked before use: a hub that
 * answers with wrong types or missing fields gets a logged HubReplyInvalidError,
 * never a crash or a wrong decision. Extra fields pass through untouched.
 */

const id = z.number().int().positive();
/** Koji sends timestamps and sizes loosely; only what the poller reads is strict. */
const optionalNumber = z.number().nullable().optional();

/** `host.getID()` */
export const hostIdReply = id;

/** `echo('OK')` */
export const echoReply = z.tuple([z.literal('OK')]);

/** `host.getHostTasks()`: this host's OPEN tasks. */
export const hostTasksReply = z.array(
  z.looseObject({
    id,
    waiting: z.boolean().nullable(),
    weight: z.number().nonnegative(),
    alert: z.boolean().optional(),
  }),
);

/** `host.getHost()` */
export const hostInfoReply = z.looseObject({
  id,
  enabled: z.boolean(),
  capacity: z.number().nonnegative(),
});

/** `host.getTasks()`: ASSIGNED tasks for this host, best first. */
export const assignedTasksReply = z.array(
  z.looseObject({
    id,
    state: z.number().int(),
    channel_id: z.number().int().nonnegative(),
    host_id: id.nullable(),
    arch: z.string().min(1),
    method: z.string().min(1),
    priority: z.number().int(),
    create_ts: optionalNumber,
  }),
);

/** `getTaskInfo(id)` without the request: state and owner host. */
export const taskStateReply = z.looseObject({
  id,
  state: z.number().int().min(0).max(5),
  host_id: id.nullable(),
});

/** `getTaskInfo(id, True)`: with the decoded request and the parent. */
export const taskInfoWithRequestReply = taskStateReply.extend({
  method: z.string().min(1),
  arch: z.string().min(1),
  channel_id: z.number().int().nonnegative(),
  priority: z.number().int(),
  parent: id.nullable(),
  request: z.array(z.unknown()),
});

/** `host.openTask(id)`: the task row, or nil when another host won. */
export const openTaskReply = z.looseObject({ id }).nullable();

/** `listBuildroots(hostID=, state=...)` */
export const buildrootsReply = z.array(
  z.looseObject({
    id,
    task_id: id.nullable(),
    tag_name: z.string().nullable().optional(),
    arch: z.string().nullable().optional(),
  }),
);

export type HostTask = z.infer<typeof hostTasksReply>[number];
export type HostInfo = z.infer<typeof hostInfoReply>;
export type AssignedTask = z.infer<typeof assignedTasksReply>[number];
export type TaskState = z.infer<typeof taskStateReply>;
export type TaskInfoWithRequest = z.infer<typeof taskInfoWithRequestReply>;
export type Buildroot = z.infer<typeof buildrootsReply>[number];

/** `subsession()`: a new session's credentials (the key is a secret). */
export const subsessionReply = z
  .looseObject({ 'session-id': id, 'session-key': z.string().min(1) })
  .transform((s) => ({ id: s['session-id'], key: s['session-key'] }));
