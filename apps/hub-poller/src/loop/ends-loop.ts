import { ClientClosedError, HubConnectionError } from '@koji-farm/koji';
import { AmqpUnavailableError } from '@koji-farm/messaging';
import { LeaseLostError } from '../errors/lease-lost.error';
import { HubGateway } from '../hub/hub-gateway';

/**
 * Errors that end the current loop instead of just the task at hand: leadership or the
 * hub session is gone, the loop was aborted, or the hub or broker does not answer (the
 * next task would wait out the same retries).
 */
export function endsLoop(err: unknown, signal?: AbortSignal): boolean {
  return (
    signal?.aborted === true ||
    err instanceof LeaseLostError ||
    err instanceof HubConnectionError ||
    err instanceof ClientClosedError ||
    err instanceof AmqpUnavailableError ||
    HubGateway.isSessionLost(err)
  );
}
