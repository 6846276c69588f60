import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import type { Logger } from 'pino';
import type { HubDb } from '../db/hub-db';
import type { TaskRow } from '../db/rows';
import { BUILD_STATES, TASK_STATES, TASK_STATE_NAMES, isFinishedTaskState } from '../db/states';
import { ActionNotAllowed, GenericError } from '../errors/koji-errors';
import { PythonError } from '../errors/python-error';
import { XmlRpcFault } from '../errors/xmlrpc-fault';
import { convertValue } from '../python/py-convert';
import { pyDatetimeOrNull } from '../python/py-format';
import { decodeTaskRequest, decodeTaskResult } from './task-request';

/** kojihub's `Task` class: state changes of one task, with the hub's rules and texts. */
export class TaskService {
  constructor(
    private readonly db: HubDb,
    private readonly logger: Logger,
  ) {}

  /** `Task(id)`: the id as int, or a ParameterError. */
  taskId(id: KojiValue): number {
    return convertValue(id, 'int');
  }

  row(id: number): Readonly<TaskRow> {
    const row = this.db.tasks.get(id);
    if (!row) throw new GenericError(`No such task: ${id}`);
    return row;
  }

  verifyHost(id: number, hostId: number | null): boolean {
    if (hostId === null) return false;
    const r = this.row(id);
    return r.state === TASK_STATES.OPEN && r.host_id === hostId;
  }

  assertHost(id: number, hostId: number): void {
    if (!this.verifyHost(id, hostId)) throw new ActionNotAllowed(`host ${hostId} does not own task ${id}`);
  }

  verifyOwner(id: number, userId: number | null): boolean {
    if (userId === null) return false;
    const row = this.db.tasks.get(id);
    if (!row) throw new GenericError(`No such task: ${id}`);
    return row.owner === userId;
  }

  /** `Task.lock`: assign or open for `hostId`; false when another host has it. */
  lock(id: number, hostId: number, newstate: 'OPEN' | 'ASSIGNED', force = false): boolean {
    if (!force) {
      const r = this.row(id);
      if (r.state === TASK_STATES.FREE) {
        if (r.host_id !== null)
          return this.logFalse(`task ${id} is both free and handled by host ${r.host_id}`);
      } else if (r.state === TASK_STATES.ASSIGNED) {
        if (r.host_id === null)
          return this.logFalse(`task ${id} is assigned, but no host is really assigned`);
        if (r.host_id !== hostId) return false;
        if (newstate === 'ASSIGNED') return true;
      } else {
        return false; // canceled, open (here or elsewhere), closed, failed
      }
    }
    const patch: Partial<TaskRow> = { state: TASK_STATES[newstate], host_id: hostId };
    if (newstate === 'OPEN') patch.start_time = this.db.now();
    this.db.tasks.update(id, patch);
    return true;
  }

  /** `Task.open`: the task's fields plus its raw request XML, or null when it could not be opened. */
  open(id: number, hostId: number): KojiStruct | null {
    if (!this.lock(id, hostId, 'OPEN')) return null;
    return { ...this.info(this.row(id)), request: this.row(id).request };
  }

  free(id: number): void {
    const r = this.row(id);
    if (isFinishedTaskState(r.state)) {
      throw new GenericError(`Cannot free task ${id}, state is ${TASK_STATE_NAMES[r.state]}`);
    }
    this.db.tasks.update(id, { state: TASK_STATES.FREE, host_id: null });
  }

  setWeight(id: number, weight: KojiValue): void {
    this.db.tasks.update(id, { weight: convertValue(weight, 'float') });
  }

  close(id: number, response: KojiValue, state: 'CLOSED' | 'FAILED'): void {
    if (typeof response !== 'string') {
      throw new PythonError(
        'psycopg2.ProgrammingError',
        `can't adapt type '${response === null ? 'NoneType' : 'dict'}'`,
      );
    }
    this.db.tasks.update(id, { result: response, state: TASK_STATES[state], completion_time: this.db.now() });
  }

  /** `Task.cancel`: true when canceled (or already), false when it had finished. */
  cancel(id: number, recurse = true): boolean {
    const r = this.row(id);
    if (r.state === TASK_STATES.CANCELED) return true;
    if (r.state === TASK_STATES.CLOSED || r.state === TASK_STATES.FAILED) return false;
    this.db.tasks.update(id, { state: TASK_STATES.CANCELED, completion_time: this.db.now() });
    for (const build of this.db.builds.filter((b) => b.task_id === id && b.state === BUILD_STATES.BUILDING)) {
      this.db.builds.update(build.id, { state: BUILD_STATES.CANCELED, completion_time: this.db.now() });
    }
    if (recurse) for (const child of this.children(id)) this.cancel(child.id, true);
    return true;
  }

  children(id: number): Readonly<TaskRow>[] {
    return this.db.tasks.filter((t) => t.parent === id).sort((a, b) => a.id - b.id);
  }

  request(id: number): KojiValue[] {
    return decodeTaskRequest(this.row(id).request);
  }

  /** `Task.getResult`: the result, or the stored fault (raised, or as a struct). */
  result(id: number, raiseFault = true): KojiValue {
    const r = this.db.tasks.get(id);
    if (!r) throw new GenericError('No such task');
    if (r.state === TASK_STATES.CANCELED) throw new GenericError(`Task ${id} is canceled`);
    if (r.state !== TASK_STATES.CLOSED && r.state !== TASK_STATES.FAILED) {
      throw new GenericError(`Task ${id} is not finished`);
    }
    try {
      return decodeTaskResult(r.result ?? '');
    } catch (error) {
      if (error instanceof XmlRpcFault && !raiseFault) {
        return { faultCode: error.faultCode, faultString: error.faultString };
      }
      throw error;
    }
  }

  /** `Task.getInfo`: the row as the hub returns it; null (or an error when strict) if missing. */
  getInfo(id: number, strict: boolean, request: boolean): KojiStruct | null {
    const r = this.db.tasks.get(id);
    if (!r) {
      if (strict) throw new GenericError('query returned no rows');
      return null;
    }
    const info = this.info(r);
    if (request) info.request = this.request(id);
    return info;
  }

  info(r: Readonly<TaskRow>): KojiStruct {
    return {
      id: r.id,
      state: r.state,
      create_time: pyDatetimeOrNull(r.create_time),
      create_ts: r.create_time,
      start_time: pyDatetimeOrNull(r.start_time),
      start_ts: r.start_time,
      completion_time: pyDatetimeOrNull(r.completion_time),
      completion_ts: r.completion_time,
      channel_id: r.channel_id,
      host_id: r.host_id,
      parent: r.parent,
      label: r.label,
      waiting: r.waiting,
      awaited: r.awaited,
      owner: r.owner,
      method: r.method,
      arch: r.arch,
      priority: r.priority,
      weight: r.weight,
    };
  }

  private logFalse(message: string): false {
    this.logger.error(`Error: ${message}`);
    return false;
  }
}
