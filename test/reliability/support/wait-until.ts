import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` every `everyMs` until it holds; throws naming `what` after `timeoutMs`.
 * For states nothing announces (a port opening, a process gone, a hub row changing).
 */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await delay(everyMs);
  }
}
