/**
 * The message of anything thrown. Checks the shape rather than `instanceof Error`:
 * errors made by Node's internals come from another realm under test runners.
 */
export function errorMessage(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.length > 0 ? message : String(err);
}
