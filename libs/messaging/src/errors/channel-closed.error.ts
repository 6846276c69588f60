/**
 * The channel a message was delivered on closed (the connection was lost, the broker
 * closed it, or the consumer was torn down). Its unacked messages are back in their queue
 * and may already be redelivered elsewhere: whoever still works on one should stop.
 */
export class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
  readonly retryable = true;

  constructor(
    readonly queue: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the AMQP channel consuming "${queue}" closed; its unacked messages went back to the queue`,
      options,
    );
  }
}
