import type { Readable } from 'node:stream';

/**
 * Drops a response body we will not read. undici's body emits an 'error' when destroyed
 * early; with no listener that would be an unhandled 'error' event.
 */
export function discardBody(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}
