import { isKojiStruct, isPythonTruthy, type KojiValue, STARSTAR_KEY } from '@koji-farm/koji';
import { FAULT, TaskFailureError } from '../tasks/errors/task-failure.error';

/** A handler's Python signature: parameter names in order; the first `required` have no default. */
export interface PythonSignature {
  method: string;
  params: readonly string[];
  required: number;
}

/**
 * Binds a task's request to its handler's parameters as kojid does
 * (`koji.decode_args` + `call_with_argcheck`): a final struct with `__starstar` holds
 * keyword arguments. Missing, surplus or unknown arguments fail the task with
 * ParameterError, naming the method. Absent optional parameters are null (Python's None).
 */
export function bindArgs(
  signature: PythonSignature,
  request: readonly KojiValue[],
): Record<string, KojiValue> {
  const last = request[request.length - 1];
  const hasKwargs = last !== undefined && isKojiStruct(last) && isPythonTruthy(last[STARSTAR_KEY]);
  const positional = hasKwargs ? request.slice(0, -1) : request;
  const keywords: Record<string, KojiValue> = hasKwargs ? { ...(last as Record<string, KojiValue>) } : {};
  delete keywords[STARSTAR_KEY];
  const { method, params, required } = signature;
  if (positional.length > params.length)
    throw parameterError(`${method}() takes at most ${params.length} arguments (${positional.length} given)`);
  const bound: Record<string, KojiValue> = {};
  positional.forEach((value, i) => (bound[params[i]] = value));
  for (const [name, value] of Object.entries(keywords)) {
    if (!params.includes(name))
      throw parameterError(`${method}() got an unexpected keyword argument '${name}'`);
    if (name in bound) throw parameterError(`${method}() got multiple values for argument '${name}'`);
    bound[name] = value;
  }
  params.forEach((name, i) => {
    if (name in bound) return;
    if (i < required) throw parameterError(`${method}() missing required argument: '${name}'`);
    bound[name] = null;
  });
  return bound;
}

export function parameterError(message: string): TaskFailureError {
  return new TaskFailureError(FAULT.parameter.code, FAULT.parameter.name, message);
}

/** Reads an optional `opts` struct (null → {}); anything else fails with ParameterError. */
export function optsStruct(method: string, value: KojiValue): Record<string, KojiValue> {
  if (value === null) return {};
  if (!isKojiStruct(value)) throw parameterError(`${method}: opts must be a struct`);
  return value;
}

/** A value in a message as Python's `str()` shows the common cases (None, text, numbers; else JSON). */
export function pyStr(value: KojiValue | undefined): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
