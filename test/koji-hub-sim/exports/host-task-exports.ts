import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import { TASK_STATES, isFinishedTaskState } from '../db/states';
import { ActionNotAllowed, GenericError, ParameterError } from '../errors/koji-errors';
import type { HubServices } from '../hub-services';
import { convertValue } from '../python/py-convert';
import { pyStr } from '../python/py-format';
import type { MethodRegistry } from '../rpc/method-registry';
import { makeTask } from '../tasks/make-task';
import { encodeTaskRequest } from '../tasks/task-request';
import { hostInfo } from './host-info';
import { verifiedHost } from './host-identity';

/** HostExports: the host's identity, its task loop and subtask waits (protocol §4–§5). */
export function registerHostTaskExports(r: MethodRegistry, s: HubServices): void {
  const { db, tasks } = s;
  const H = (sig: string): string => `HostExports.${sig}`;

  r.add('host.getID', H('getID(self)'), (c) => verifiedHost(c));
  r.add('host.getHost', H('getHost(self)'), (c) => hostInfo(db, db.hosts.get(verifiedHost(c))!));
  r.add('host.isEnabled', H('isEnabled(self)'), (c) => db.hosts.get(verifiedHost(c))!.enabled);
  r.add('host.updateHost', H('updateHost(self, task_load, ready, data=None)'), (c, { a }) => {
    const id = verifiedHost(c);
    db.hosts.update(id, {
      task_load: convertValue(a.task_load, 'float'),
      ready: Boolean(a.ready),
      update_time: db.now(),
    });
    if (a.data !== null) setHostData(s, id, a.data);
  });
  r.add('host.setHostData', H('setHostData(self, hostdata)'), (c, { a }) => {
    const id = verifiedHost(c);
    setHostData(s, id, typeof a.hostdata === 'string' ? (JSON.parse(a.hostdata) as KojiValue) : a.hostdata);
  });
  r.add('host.getLoadData', H('getLoadData(self)'), (c) => {
    const id = verifiedHost(c);
    const host = { ...hostInfo(db, db.hosts.get(id)!), channels: db.hosts.get(id)!.channels };
    return [[host], s.scheduler.tasksForHost(id, true)];
  });
  r.add('host.getTasks', H('getTasks(self)'), (c) => s.scheduler.tasksForHost(verifiedHost(c), true));
  r.add('host.getHostTasks', H('getHostTasks(self)'), (c) => {
    const id = verifiedHost(c);
    return db.tasks
      .filter((t) => t.host_id === id && t.state === TASK_STATES.OPEN)
      .map((t) => {
        const row: KojiStruct = { id: t.id, waiting: t.waiting, weight: t.weight };
        if (t.waiting && waitCheck(s, t.id)[0].length > 0) row.alert = true;
        return row;
      });
  });
  r.add('host.openTask', H('openTask(self, task_id)'), (c, { a }) => {
    const host = verifiedHost(c);
    return tasks.open(tasks.taskId(a.task_id), host);
  });
  for (const [name, state] of [
    ['closeTask', 'CLOSED'],
    ['failTask', 'FAILED'],
  ] as const) {
    r.add(`host.${name}`, H(`${name}(self, task_id, response)`), (c, { a }) => {
      const host = verifiedHost(c);
      const id = tasks.taskId(a.task_id);
      tasks.assertHost(id, host);
      tasks.close(id, a.response, state);
    });
  }
  r.add('host.freeTasks', H('freeTasks(self, tasks)'), (c, { a }) => {
    const host = verifiedHost(c);
    for (const raw of convertValue(a.tasks, 'list')) {
      const id = tasks.taskId(raw);
      if (tasks.verifyHost(id, host)) tasks.free(id);
    }
  });
  r.add('host.setTaskWeight', H('setTaskWeight(self, task_id, weight)'), (c, { a }) => {
    const host = verifiedHost(c);
    const id = tasks.taskId(a.task_id);
    tasks.assertHost(id, host);
    tasks.setWeight(id, a.weight);
  });
  r.add('host.refuseTask', H("refuseTask(self, task_id, soft=True, msg='')"), (c, { a }) => {
    const soft = convertValue(a.soft, 'bool');
    const msg = convertValue(a.msg, 'str');
    const host = verifiedHost(c);
    const id = tasks.taskId(a.task_id);
    const info = tasks.getInfo(id, true, false)!;
    if (info.host_id !== host) {
      s.logger.warn({ hostId: host, taskId: id }, 'Host refused unrelated task');
      return;
    }
    s.scheduler.setRefusal(host, id, soft, true, msg);
    tasks.free(id);
  });
  r.add('host.subtask', H('subtask(self, method, arglist, parent, **opts)'), (c, { a, kw }) => {
    const host = verifiedHost(c);
    const parent = tasks.taskId(a.parent);
    tasks.assertHost(parent, host);
    if ('owner' in kw) throw new ActionNotAllowed('The owner option is not allowed here');
    if ('label' in kw) {
      const existing = db.tasks.find((t) => t.parent === parent && t.label === kw.label);
      if (existing) return existing.id;
    }
    let arglist = a.arglist as KojiValue[];
    const { kwargs, ...opts } = kw;
    if (kwargs !== undefined) arglist = [...arglist, { ...(kwargs as KojiStruct), __starstar: true }];
    encodeTaskRequest(pyStr(a.method), arglist); // fails early on values XML-RPC cannot carry
    return makeTask(db, c.session, a.method, arglist, { ...opts, parent }, s.onTaskCreated);
  });
  r.add('host.taskSetWait', H('taskSetWait(self, parent, tasks)'), (c, { a }) => {
    verifiedHost(c);
    const parent = tasks.taskId(a.parent);
    const list = convertValue(a.tasks, 'list', { noneAllowed: true, checkOnly: true });
    db.tasks.update(parent, { waiting: true });
    for (const child of tasks.children(parent)) {
      if (list === null) db.tasks.update(child.id, { awaited: true });
      else if (list.includes(child.id)) db.tasks.update(child.id, { awaited: true });
      else if (child.awaited) db.tasks.update(child.id, { awaited: false });
    }
  });
  r.add('host.taskWait', H('taskWait(self, parent)'), (c, { a }) => {
    verifiedHost(c);
    const [finished, unfinished] = waitCheck(s, tasks.taskId(a.parent));
    for (const id of [...finished].sort((x, y) => x - y)) db.tasks.update(id, { awaited: false });
    return [finished, unfinished];
  });
  r.add('host.taskUnwait', H('taskUnwait(self, parent)'), (c, { a }) => {
    verifiedHost(c);
    unwait(s, tasks.taskId(a.parent));
  });
  r.add('host.taskWaitResults', H('taskWaitResults(self, parent, tasks, canfail=None)'), (c, { a }) => {
    verifiedHost(c);
    const parent = tasks.taskId(a.parent);
    const canfail = (a.canfail ?? []) as KojiValue[];
    unwait(s, parent);
    const ids =
      a.tasks === null
        ? tasks
            .children(parent)
            .filter((t) => isFinishedTaskState(t.state))
            .map((t) => t.id)
        : convertValue(a.tasks, 'list').map((t) => tasks.taskId(t));
    return ids.map((id) => {
      const raiseFault = !canfail.includes(id);
      try {
        return [id, tasks.result(id, raiseFault)];
      } catch (error) {
        if (
          !raiseFault &&
          error instanceof GenericError &&
          db.tasks.get(id)?.state === TASK_STATES.CANCELED
        ) {
          return [id, { faultCode: error.faultCode, faultString: error.message }];
        }
        throw error;
      }
    });
  });
}

function waitCheck(s: HubServices, parent: number): [number[], number[]] {
  const finished: number[] = [];
  const unfinished: number[] = [];
  for (const t of s.db.tasks.filter((x) => x.parent === parent && x.awaited === true)) {
    (isFinishedTaskState(t.state) ? finished : unfinished).push(t.id);
  }
  return [finished, unfinished];
}

function unwait(s: HubServices, parent: number): void {
  if (s.db.tasks.get(parent)) s.db.tasks.update(parent, { waiting: false });
  for (const child of s.tasks.children(parent)) s.db.tasks.update(child.id, { awaited: false });
}

function setHostData(s: HubServices, hostId: number, data: KojiValue): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || Buffer.isBuffer(data)) {
    throw new ParameterError('Host data should be a dictionary');
  }
  s.db.hosts.update(hostId, { data: data });
}
