import {
  encodeFault,
  encodeResponse,
  isKojiStruct,
  type KojiStruct,
  type KojiValue,
} from '@koji-farm/koji/xmlrpc';
import type { Logger } from 'pino';
import type { SessionManager } from '../auth/session-manager';
import type { HubDb } from '../db/hub-db';
import { AuthLockError } from '../errors/koji-errors';
import { faultOf, multiCallFaultOf } from '../errors/fault-of';
import { XmlRpcFault } from '../errors/xmlrpc-fault';
import { PythonError } from '../errors/python-error';
import { pyTruthy } from '../python/py-convert';
import type { CallContext, RequestEnviron } from './call-context';
import { bindArgs, type MethodRegistry, type MethodSpec } from './method-registry';

/** Rewrites a method's result before it is encoded (fault injection of malformed replies). */
export type ResultFilter = (method: string, value: KojiValue) => KojiValue;

const LOCK_EXEMPT = new Set(['exclusiveSession', 'login', 'logout']);
const MULTICALL_NAMES = new Set(['multiCall', 'system.multicall']);

/**
 * kojixmlrpc's ModXMLRPCRequestHandler: runs one decoded call (or a multiCall) in a
 * transaction and turns the outcome into a `<methodResponse>` document.
 */
export class Dispatcher {
  constructor(
    private readonly registry: MethodRegistry,
    private readonly sessions: SessionManager,
    private readonly db: HubDb,
    private readonly logger: Logger,
    private readonly resultFilter: ResultFilter = (_m, v) => v,
  ) {}

  /** Handles a call and returns the XML reply (a fault is still a 200 reply). */
  handle(
    environ: RequestEnviron,
    method: string,
    params: KojiValue[],
    kwargs: Record<string, KojiValue>,
  ): string {
    const tx = this.db.begin();
    let failed = false;
    let xml: string;
    const call: Partial<CallContext> & { environ: RequestEnviron } = { environ };
    try {
      const value = this.dispatch(call, method, params, kwargs);
      xml = encodeResponse(this.resultFilter(method, value));
    } catch (error) {
      failed = true;
      const fault = faultOf(error);
      if (fault.faultCode === 1) this.logger.warn({ method, err: error }, 'call failed');
      else this.logger.debug({ method, faultCode: fault.faultCode }, 'call faulted');
      xml = encodeFault(fault.faultCode, fault.faultString);
    } finally {
      this.db.end(tx, !failed && tx.dirty);
    }
    return xml;
  }

  /** Validates the session of a request that is not an XML-RPC call (an upload). */
  session(environ: RequestEnviron): CallContext {
    const call: Partial<CallContext> & { environ: RequestEnviron } = { environ, method: '' };
    this.checkSession(call, '');
    return call as CallContext;
  }

  private dispatch(
    call: Partial<CallContext> & { environ: RequestEnviron },
    method: string,
    params: KojiValue[],
    kwargs: Record<string, KojiValue>,
  ): KojiValue {
    const spec: MethodSpec | 'multiCall' = MULTICALL_NAMES.has(method)
      ? 'multiCall'
      : this.registry.get(method);
    call.method = method;
    this.checkSession(call, method);
    if (spec === 'multiCall') return this.multiCall(call as CallContext, params, kwargs);
    const bound = bindArgs(spec, params, kwargs);
    const value = spec.handler(call as CallContext, bound);
    return value === undefined ? null : value;
  }

  private checkSession(call: Partial<CallContext> & { environ: RequestEnviron }, method: string): void {
    if (call.session) return;
    call.session = this.sessions.load(call.environ, method);
    if (call.session.lockerror && !LOCK_EXEMPT.has(method)) throw new AuthLockError(call.session.lockerror);
  }

  private multiCall(call: CallContext, params: KojiValue[], kwargs: Record<string, KojiValue>): KojiValue {
    if (params.length + Object.keys(kwargs).length !== 1) {
      throw new PythonError(
        'TypeError',
        `ModXMLRPCRequestHandler.multiCall() takes 2 positional arguments but ${params.length + 1} were given`,
      );
    }
    const calls = params[0] ?? kwargs.calls;
    if (!Array.isArray(calls)) throw new PythonError('TypeError', `'${typeof calls}' object is not iterable`);
    const tx = this.db.transaction!;
    const results: KojiValue[] = [];
    for (const entry of calls) {
      const savepoint = tx.savepoint();
      try {
        if (!isKojiStruct(entry))
          throw new PythonError('TypeError', 'list indices must be integers or slices, not str');
        const name = entry.methodName;
        const inner = entry.params;
        if (typeof name !== 'string') throw new PythonError('KeyError', "'methodName'");
        if (!Array.isArray(inner)) throw new PythonError('KeyError', "'params'");
        const [args, kw] = decodeArgs(inner);
        results.push([this.resultFilter(name, this.dispatch(call, name, args, kw))]);
      } catch (error) {
        tx.rollbackTo(savepoint);
        const fault = error instanceof XmlRpcFault ? faultOf(error) : multiCallFaultOf(error);
        results.push(fault as unknown as KojiStruct);
      }
      tx.forgetEvent();
    }
    return results;
  }
}

/** koji.decode_args: a final struct with a true `__starstar` holds keyword arguments. */
function decodeArgs(params: KojiValue[]): [KojiValue[], Record<string, KojiValue>] {
  const last = params[params.length - 1];
  if (last !== undefined && isKojiStruct(last) && pyTruthy(last.__starstar)) {
    const kw = { ...last };
    delete kw.__starstar;
    return [params.slice(0, -1), kw];
  }
  return [params, {}];
}
