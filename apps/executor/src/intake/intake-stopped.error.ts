/** A message waited for a slot while the executor began shutting down: it goes back to its queue. */
export class IntakeStoppedError extends Error {
  override readonly name = 'IntakeStoppedError';
  readonly retryable = true;
}
