import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PRIO_DEFAULT, TASK_STATES } from '../db/states';
import { ActionNotAllowed, GenericError } from '../errors/koji-errors';
import type { HubServices } from '../hub-services';
import { convertValue, pyTruthy } from '../python/py-convert';
import type { MethodRegistry } from '../rpc/method-registry';
import { makeTask, type MakeTaskOptions } from '../tasks/make-task';
import { decodeTaskRequest, decodeTaskResult } from '../tasks/task-request';
import { XmlRpcFault } from '../errors/xmlrpc-fault';

/** RootExports that make, cancel and read tasks. */
export function registerRootTaskExports(r: MethodRegistry, s: HubServices): void {
  const { db, tasks } = s;
  const R = (sig: string): string => `RootExports.${sig}`;

  r.add('build', R('build(self, src, target, opts=None, priority=None, channel=None)'), (c, { a }) => {
    c.session.assertLogin();
    const opts = pyTruthy(a.opts) ? a.opts : {};
    convertValue(a.src, 'str', { checkOnly: true });
    const taskOpts: MakeTaskOptions = {};
    if (pyTruthy(a.priority)) {
      const p = convertValue(a.priority, 'int');
      if (p < 0 && !c.session.hasPerm('admin'))
        throw new ActionNotAllowed('only admins may create high-priority tasks');
      taskOpts.priority = PRIO_DEFAULT + p;
    }
    if (pyTruthy(a.channel)) taskOpts.channel = a.channel;
    return makeTask(db, c.session, 'build', [a.src, a.target, opts], taskOpts, s.onTaskCreated);
  });
  r.add(
    'newRepo',
    R('newRepo(self, tag, event=None, src=False, debuginfo=False, separate_src=False)'),
    (c, { a }) => {
      if (!s.opts().allowNewRepo) throw new ActionNotAllowed('newRepo api call is disabled');
      if (!c.session.hasPerm('repo')) c.session.assertPerm('regen-repo');
      s.tags.getTag(a.tag, true);
      mkdirSync(join(s.dir.topdir, 'repos'), { recursive: true });
      const kw: KojiStruct = {};
      if (a.event !== null) kw.event = a.event;
      if (pyTruthy(a.src)) kw.src = true;
      if (pyTruthy(a.separate_src)) kw.separate_src = true;
      if (pyTruthy(a.debuginfo)) kw.debuginfo = true;
      const args: KojiValue[] = Object.keys(kw).length > 0 ? [a.tag, { ...kw, __starstar: true }] : [a.tag];
      return makeTask(
        db,
        c.session,
        'newRepo',
        args,
        { priority: 15, channel: 'createrepo' },
        s.onTaskCreated,
      );
    },
  );
  r.add('makeTask', R('makeTask(self, *args, **opts)'), (c, { rest, kw }) => {
    c.session.assertPerm('admin');
    if ('owner' in kw) throw new ActionNotAllowed('The owner option is not allowed here');
    const [method, arglist] = rest;
    return makeTask(db, c.session, method ?? null, (arglist ?? []) as KojiValue[], kw, s.onTaskCreated);
  });
  r.add('cancelTask', R('cancelTask(self, task_id, recurse=True)'), (c, { a }) => {
    const id = tasks.taskId(a.task_id);
    if (!tasks.verifyOwner(id, c.session.userId) && !tasks.verifyHost(id, c.session.hostId)) {
      if (!c.session.hasPerm('admin')) throw new ActionNotAllowed('Cannot cancel task, not owner');
    }
    tasks.cancel(id, pyTruthy(a.recurse));
  });
  r.add('cancelTaskChildren', R('cancelTaskChildren(self, task_id)'), (c, { a }) => {
    c.session.assertLogin();
    const id = tasks.taskId(a.task_id);
    // Task.verifyHost: the host that holds the task OPEN (a parent cancelling its children)
    const row = tasks.row(id);
    const isHost =
      c.session.hostId !== null && row.state === TASK_STATES.OPEN && row.host_id === c.session.hostId;
    if (!tasks.verifyOwner(id, c.session.userId) && !isHost && !c.session.hasPerm('admin')) {
      throw new ActionNotAllowed('Cannot cancel task, not owner');
    }
    for (const child of tasks.children(id)) tasks.cancel(child.id, true);
  });
  r.add('getTaskInfo', R('getTaskInfo(self, task_id, request=False, strict=False)'), (_c, { a }) => {
    const single = !Array.isArray(a.task_id);
    const ids = single ? [a.task_id] : (a.task_id as KojiValue[]);
    const out = ids.map((id) => tasks.getInfo(tasks.taskId(id), pyTruthy(a.strict), pyTruthy(a.request)));
    return single ? out[0] : out;
  });
  r.add('getTaskChildren', R('getTaskChildren(self, task_id, request=False, strict=False)'), (_c, { a }) => {
    const id = tasks.taskId(a.task_id);
    if (pyTruthy(a.strict)) tasks.getInfo(id, true, false);
    return tasks.children(id).map((t) => {
      const info = tasks.info(t);
      if (pyTruthy(a.request)) info.request = decodeTaskRequest(t.request);
      return info;
    });
  });
  r.add('getTaskResult', R('getTaskResult(self, taskId, raise_fault=True)'), (_c, { a }) =>
    tasks.result(tasks.taskId(a.taskId), pyTruthy(a.raise_fault)),
  );
  r.add('getTaskRequest', R('getTaskRequest(self, taskId)'), (_c, { a }) =>
    tasks.request(tasks.taskId(a.taskId)),
  );
  r.add('taskFinished', R('taskFinished(self, taskId)'), (_c, { a }) => {
    const state = tasks.row(tasks.taskId(a.taskId)).state;
    return state === TASK_STATES.CLOSED || state === TASK_STATES.CANCELED || state === TASK_STATES.FAILED;
  });
  r.add('listTasks', R('listTasks(self, opts=None, queryOpts=None)'), (_c, { a }) =>
    listTasks(s, (a.opts ?? {}) as KojiStruct, (a.queryOpts ?? {}) as KojiStruct),
  );
}

function listTasks(s: HubServices, opts: KojiStruct, queryOpts: KojiStruct): KojiValue {
  const inList = (field: 'state' | 'arch', row: Record<string, unknown>): boolean => {
    if (field in opts && !(opts[field] as KojiValue[]).includes(row[field] as KojiValue)) return false;
    if (`not_${field}` in opts && (opts[`not_${field}`] as KojiValue[]).includes(row[field] as KojiValue))
      return false;
    return true;
  };
  const scalar = (
    field: 'owner' | 'host_id' | 'channel_id' | 'parent',
    row: Record<string, unknown>,
  ): boolean => {
    const match = (v: KojiValue): boolean =>
      v === null
        ? row[field] === null
        : Array.isArray(v)
          ? v.includes(row[field] as KojiValue)
          : row[field] === v;
    if (field in opts && !match(opts[field])) return false;
    if (`not_${field}` in opts && match(opts[`not_${field}`])) return false;
    return true;
  };
  let rows = s.db.tasks
    .all()
    .filter(
      (t) =>
        inList('state', t) &&
        inList('arch', t) &&
        scalar('owner', t) &&
        scalar('host_id', t) &&
        scalar('channel_id', t) &&
        scalar('parent', t) &&
        (!('method' in opts) || t.method === opts.method),
    );
  if (queryOpts.countOnly) return rows.length;
  const order = typeof queryOpts.order === 'string' ? queryOpts.order : 'id';
  const desc = order.startsWith('-');
  const key = desc ? order.slice(1) : order;
  rows = [...rows].sort((x, y) => {
    const vx = (x as unknown as Record<string, number>)[key === 'create_ts' ? 'create_time' : key];
    const vy = (y as unknown as Record<string, number>)[key === 'create_ts' ? 'create_time' : key];
    return (vx < vy ? -1 : vx > vy ? 1 : 0) * (desc ? -1 : 1);
  });
  const offset = typeof queryOpts.offset === 'number' ? queryOpts.offset : 0;
  if (typeof queryOpts.limit === 'number') rows = rows.slice(offset, offset + queryOpts.limit);
  else rows = rows.slice(offset);
  return rows.map((t) => {
    const owner = s.db.users.get(t.owner);
    const info: KojiStruct = {
      ...s.tasks.info(t),
      request: t.request,
      result: t.result,
      owner_name: owner?.name ?? null,
      owner_type: owner?.usertype ?? null,
    };
    if (opts.decode) {
      info.request = decodeTaskRequest(t.request);
      if (t.result !== null) info.result = decodeResult(t.result);
    }
    return info;
  });
}

function decodeResult(xml: string): KojiValue {
  try {
    return decodeTaskResult(xml);
  } catch (error) {
    if (error instanceof XmlRpcFault) return { faultCode: error.faultCode, faultString: error.faultString };
    if (error instanceof GenericError) throw error;
    return xml;
  }
}
