import {
  ExecInterruptedError,
  InvalidContainerRequestError,
  PodmanUnavailableError,
  UnsafeArchiveEntryError,
} from '@koji-farm/container';
import {
  ActionNotAllowed,
  AuthError,
  AuthExpired,
  DownloadError,
  KojiFault,
  RetryError,
  SequenceError,
  type KojiValue,
} from '@koji-farm/koji';
import { HubReplyError } from '../hub/hub-reply.error';
import { errorName, errorText } from './errors/error-text';
import { LeaseLostError } from './errors/lease-lost.error';
import { TaskCanceledError } from './errors/task-canceled.error';
import { FAULT, TaskFailureError } from './errors/task-failure.error';
import { TaskGoneError } from './errors/task-gone.error';
import { TaskTimeoutError } from './errors/task-timeout.error';

/** Koji's code for a failure that is not a Koji error (kojid sends 1 for those). */
export const NON_KOJI_FAULT = 1;

/**
 * How an attempt ended, which decides what the hub hears and what happens to the message:
 * - `closed`: closeTask with the result, then ack;
 * - `failed`: failTask with the fault, then ack;
 * - `canceled`: nothing to the hub, ack (a cancel message);
 * - `gone`: nothing to the hub, ack (the task is no longer this host's OPEN task, or its session died);
 * - `lost`: nothing to the hub; another executor holds the task's lease now (this one's
 *   expired, ADR 0083): the message, if still held here, is acked (the holder has its own);
 * - `retry`: nothing to the hub, nack for another attempt (infrastructure, shutdown); on the
 *   last allowed attempt the task is failed on the hub instead and the message dead-lettered.
 */
export type TaskOutcome =
  | { kind: 'closed'; result: KojiValue }
  | { kind: 'failed'; faultCode: number; faultName: string; message: string }
  | { kind: 'canceled'; reason: string }
  | { kind: 'gone'; reason: string }
  | { kind: 'lost'; reason: string }
  | {
      kind: 'retry';
      reason: string;
      error: string;
      shutdown: boolean;
      /** Podman's API could not be reached (or an exec's stream broke with it): wait for it rather than hand back. */
      podman?: boolean;
    };

/**
 * Classifies what an attempt threw. The abort reason wins over the thrown error (an
 * aborted step throws whatever it throws; the reason says why it was aborted). Decided
 * from error classes, never from message text.
 */
export function outcomeOf(err: unknown, signal: AbortSignal): TaskOutcome {
  const cause: unknown = signal.aborted ? signal.reason : err;
  if (cause instanceof TaskCanceledError) {
    return cause.shutdown
      ? { kind: 'retry', reason: cause.reason, error: cause.name, shutdown: true }
      : { kind: 'canceled', reason: cause.reason };
  }
  if (cause instanceof TaskGoneError) return { kind: 'gone', reason: cause.reason };
  if (cause instanceof LeaseLostError) return { kind: 'lost', reason: cause.reason };
  if (cause instanceof TaskTimeoutError) {
    return {
      kind: 'failed',
      faultCode: FAULT.generic.code,
      faultName: FAULT.generic.name,
      message: cause.message,
    };
  }
  if (cause instanceof TaskFailureError) {
    return { kind: 'failed', faultCode: cause.faultCode, faultName: cause.faultName, message: cause.message };
  }
  // RetryError and SequenceError are AuthErrors in Koji: callnum trouble, a new attempt gets a new session.
  if (cause instanceof RetryError || cause instanceof SequenceError) return retry(cause);
  if (cause instanceof AuthError || cause instanceof AuthExpired || cause instanceof ActionNotAllowed) {
    return { kind: 'gone', reason: `the hub refused the task's session or task: ${cause.message}` };
  }
  if (cause instanceof KojiFault) {
    if (cause.retryable) return retry(cause);
    // A hub fault raised inside the task (no such repo, bad tag...): kojid fails the task with it.
    return { kind: 'failed', faultCode: cause.faultCode, faultName: cause.name, message: cause.faultString };
  }
  if (cause instanceof HubReplyError) {
    return {
      kind: 'failed',
      faultCode: FAULT.generic.code,
      faultName: FAULT.generic.name,
      message: cause.message,
    };
  }
  if (cause instanceof UnsafeArchiveEntryError) {
    return {
      kind: 'failed',
      faultCode: FAULT.build.code,
      faultName: FAULT.build.name,
      message: `Unsafe build result: ${cause.message}`,
    };
  }
  if (cause instanceof InvalidContainerRequestError) {
    return {
      kind: 'failed',
      faultCode: FAULT.buildroot.code,
      faultName: FAULT.buildroot.name,
      message: cause.message,
    };
  }
  if (cause instanceof DownloadError && !cause.retryable) {
    return { kind: 'failed', faultCode: NON_KOJI_FAULT, faultName: cause.name, message: cause.message };
  }
  return retry(cause);
}

function retry(err: unknown): TaskOutcome {
  const outcome: TaskOutcome = {
    kind: 'retry',
    reason: errorText(err),
    error: errorName(err),
    shutdown: false,
  };
  return podmanTrouble(err) ? { ...outcome, podman: true } : outcome;
}

/** Podman unreachable, or an exec cut off by it, anywhere in the error's cause chain. */
function podmanTrouble(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof PodmanUnavailableError || e instanceof ExecInterruptedError) return true;
  }
  return false;
}
