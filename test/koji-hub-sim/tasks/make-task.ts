import type { KojiValue } from '@koji-farm/koji/xmlrpc';
import type { Session } from '../auth/session';
import type { HubDb } from '../db/hub-db';
import type { ChannelRow } from '../db/rows';
import { PRIO_DEFAULT, TASK_STATES } from '../db/states';
import { GenericError } from '../errors/koji-errors';
import { convertValue } from '../python/py-convert';
import { pyStr } from '../python/py-format';
import { encodeTaskRequest } from './task-request';

export interface MakeTaskOptions {
  parent?: KojiValue;
  label?: KojiValue;
  owner?: KojiValue;
  channel?: KojiValue;
  arch?: KojiValue;
  priority?: KojiValue;
  assign?: KojiValue;
}

/** Called after a task is inserted (the scheduler's automatic arch refusals). */
export type TaskCreatedHook = (taskId: number) => void;

/**
 * kojihub's `make_task`, with the default `channel` policy
 * (`has req_channel :: req; is_child_task :: parent; all :: use default`) and the
 * default `priority` policy (`all :: stay`).
 */
export function makeTask(
  db: HubDb,
  session: Session | null,
  method: KojiValue,
  arglist: KojiValue[],
  opts: MakeTaskOptions,
  onCreated?: TaskCreatedHook,
): number {
  const name = convertValue(method, 'str', { checkOnly: true });
  const parent = opts.parent === undefined ? null : convertValue(opts.parent, 'int');
  if (opts.label !== undefined) convertValue(opts.label, 'str', { checkOnly: true });
  let owner: number | undefined;
  if (opts.owner !== undefined) owner = userId(db, opts.owner);
  let arch = opts.arch === undefined ? undefined : parseArches(opts.arch);
  let priority = opts.priority === undefined ? undefined : convertValue(opts.priority, 'int');
  let assign: number | null = null;
  if (opts.assign !== undefined && opts.assign !== null) assign = hostId(db, opts.assign);
  let label: string | null = null;
  let channelId: number;
  if (parent !== null) {
    const p = db.tasks.get(parent);
    if (!p) throw new GenericError(`Invalid parent task: ${parent}`);
    if (p.state !== TASK_STATES.OPEN) throw new GenericError(`Parent task (id ${parent}) is not open`);
    priority ??= p.priority - 1;
    owner ??= p.owner;
    arch ??= p.arch;
    label = (opts.label as string | null | undefined) ?? null;
    channelId = p.channel_id;
  } else {
    priority ??= PRIO_DEFAULT;
    arch ??= 'noarch';
    if (owner === undefined) {
      if (!session?.loggedIn || session.userId === null) throw new GenericError('task must have an owner');
      owner = session.userId;
    }
    channelId = channelByName(db, 'default').id;
  }
  if (opts.channel !== undefined) {
    const ch = findChannel(db, opts.channel);
    if (!ch) throw new GenericError(`No such channel: ${pyStr(opts.channel)}`);
    if (!ch.enabled) throw new GenericError(`Channel ${pyStr(opts.channel)} is disabled.`);
    channelId = ch.id;
  }
  if (parent !== null && label !== null && db.tasks.find((t) => t.parent === parent && t.label === label)) {
    throw new GenericError(`duplicate key value violates unique constraint "task_parent_label_key"`);
  }
  const id = db.tasks.nextval();
  db.tasks.insert({
    id,
    state: assign === null ? TASK_STATES.FREE : TASK_STATES.ASSIGNED,
    create_time: db.now(),
    start_time: null,
    completion_time: null,
    channel_id: channelId,
    host_id: assign,
    parent,
    label,
    waiting: null,
    awaited: null,
    owner,
    method: name,
    request: encodeTaskRequest(name, arglist),
    result: null,
    arch,
    priority,
    weight: 1.0,
  });
  onCreated?.(id);
  return id;
}

/** `koji.parse_arches(arches, strict=True, allow_none=True)`: a space-separated string. */
export function parseArches(value: KojiValue): string {
  const list = Array.isArray(value) ? value.map((v) => pyStr(v)) : pyStr(value).split(/[\s,]+/);
  const arches = list.map((a) => a.trim()).filter((a) => a.length > 0);
  for (const a of arches) {
    if (!/^[\w-]+$/.test(a) || a.length > 16) throw new GenericError(`Invalid arch: ${a}`);
  }
  return arches.join(' ');
}

export function findChannel(db: HubDb, info: KojiValue): Readonly<ChannelRow> | undefined {
  if (typeof info === 'number') return db.channels.get(info);
  if (typeof info === 'string') return db.channels.find((c) => c.name === info);
  return undefined;
}

export function channelByName(db: HubDb, name: string): Readonly<ChannelRow> {
  const ch = db.channels.find((c) => c.name === name);
  if (!ch) throw new GenericError(`No such channel: ${name}`);
  return ch;
}

function userId(db: HubDb, info: KojiValue): number {
  if (typeof info === 'number') return info;
  const user = db.users.find((u) => u.name === info);
  if (!user) throw new GenericError(`No such user: ${pyStr(info)}`);
  return user.id;
}

function hostId(db: HubDb, info: KojiValue): number {
  const host = typeof info === 'number' ? db.hosts.get(info) : db.hosts.find((h) => h.name === info);
  if (!host) throw new GenericError(`Invalid hostInfo: ${pyStr(info)}`);
  return host.id;
}
