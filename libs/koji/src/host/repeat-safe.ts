import { isDeepStrictEqual } from 'node:util';
import { ActionNotAllowed } from '../errors/action-not-allowed';
import { KojiFault } from '../errors/koji-fault';
import { RetryError } from '../errors/retry-error';
import { decodeResponse } from '../xmlrpc/decode';
import { encodeFault, encodeResponse } from '../xmlrpc/encode';
import type { KojiValue } from '../xmlrpc/koji-value';

/** One hub call: `KojiClient.call` or a caller's own wrapper of it (metrics, signal). */
export type HubCall = (
  method: string,
  params: KojiValue[],
  kwargs?: Record<string, KojiValue>,
) => Promise<KojiValue>;

/** `done`: the hub took it now; `already`: it had taken it before (a reply was lost), nothing ran twice. */
export type Settled = 'done' | 'already';

/**
 * Runs a write that is not safe to repeat, and when the hub refuses it in a way that
 * means "this already happened", asks `alreadyDone` whether the hub's state is what the
 * write would have made; if so the write counts as done.
 *
 * Why: a client resends a call whose connection broke with the same callnum (ADR
 * 0021). If the first send committed and only its reply was lost, a hub from Koji 1.36
 * answers the resend with RetryError (`attempts > 1`), while a 1.35 hub, which checks no
 * callnum for header sessions, runs the call again and it fails on the state the first
 * run left (ADR 0036, 0037). `isRefusal` names those failures for the call at hand.
 */
export async function repeatSafe<T>(
  write: () => Promise<T>,
  isRefusal: (err: KojiFault) => boolean,
  alreadyDone: () => Promise<boolean>,
): Promise<{ value: T; settled: 'done' } | { value: undefined; settled: 'already' }> {
  try {
    return { value: await write(), settled: 'done' };
  } catch (err) {
    if (!(err instanceof KojiFault) || !(err instanceof RetryError || isRefusal(err))) throw err;
    if (await alreadyDone()) return { value: undefined, settled: 'already' };
    throw err;
  }
}

const TASK_STATE = { CLOSED: 2, FAILED: 5 } as const;

/**
 * `host.closeTask(id, <methodResponse>)`, safe to repeat: a refusal because the task
 * is no longer OPEN (ActionNotAllowed "host N does not own task M", or RetryError) is a
 * success when the task is CLOSED with this very result.
 */
export async function closeTaskOnce(call: HubCall, taskId: number, result: KojiValue): Promise<Settled> {
  const document = encodeResponse(result);
  const outcome = await repeatSafe(
    () => call('host.closeTask', [taskId, document]),
    (err) => err instanceof ActionNotAllowed,
    () => settledAs(call, taskId, TASK_STATE.CLOSED, decodeResponse(document)),
  );
  return outcome.settled;
}

/**
 * `host.failTask(id, <methodResponse><fault>)`, safe to repeat: a refusal because the
 * task is no longer OPEN is a success when the task is FAILED with this very fault.
 */
export async function failTaskOnce(
  call: HubCall,
  taskId: number,
  faultCode: number,
  faultString: string,
): Promise<Settled> {
  const document = encodeFault(faultCode, faultString);
  const outcome = await repeatSafe(
    () => call('host.failTask', [taskId, document]),
    (err) => err instanceof ActionNotAllowed,
    () => settledAs(call, taskId, TASK_STATE.FAILED, decodeResponse(document)),
  );
  return outcome.settled;
}

/** Whether the task is in `state` with the result (or fault) the document holds. */
async function settledAs(
  call: HubCall,
  taskId: number,
  state: number,
  wanted: ReturnType<typeof decodeResponse>,
): Promise<boolean> {
  const info = (await call('getTaskInfo', [taskId])) as { state?: unknown } | null;
  if (info?.state !== state) return false;
  const stored = await call('getTaskResult', [taskId], { raise_fault: false });
  const expected: KojiValue = wanted.ok
    ? wanted.value
    : { faultCode: wanted.faultCode, faultString: wanted.faultString };
  return isDeepStrictEqual(stored, expected);
}
