import { LeaseLostError } from './lease-lost.error';
import { TaskCanceledError } from './task-canceled.error';

/**
 * True when the attempt was stopped in a way that sends nothing more to the hub: a
 * cancel, a shutdown or a newer attempt taking over, or its lease taken by another
 * executor (ADR 0083). Handlers then leave their buildroot as it is (a later attempt expires it).
 * The abort reason wins over what the interrupted step threw.
 */
export function stoppedQuietly(signal: AbortSignal, err: unknown): boolean {
  const cause: unknown = signal.aborted ? signal.reason : err;
  return cause instanceof TaskCanceledError || cause instanceof LeaseLostError;
}
