/**
 * The channel the task message came on closed while the attempt ran: the broker put the
 * message back and may already be giving it to another executor (or to this one again).
 * The attempt stops like a cancel — exec stopped, container removed, nothing sent to the
 * hub —; the redelivery is the task now.
 */
export class DeliveryLostError extends Error {
  override readonly name = 'DeliveryLostError';
  readonly retryable = true;

  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Task message lost: ${reason}`, options);
  }
}
