import { type MsPattern } from '@nestjs/microservices';
import { type ConsumeOptions } from '../amqp-connection';
import { type InboundMessage } from '../inbound-message';

/** A delivery read by a subscription: the pattern that picks the handler, and the handler's input. */
export type DecodedMessage<T> = { pattern: MsPattern; data: T } | { refused: string };

/** A decoded delivery on its way to its handler. */
export interface Delivery<T> {
  message: InboundMessage;
  data: T;
  /** The pattern as routed (its string form). */
  pattern: string;
  /** The `extras` of the handler's pattern decorator. */
  extras: Readonly<Record<string, unknown>>;
}

/** Calls the delivery's handler with `payload`; resolves with what it returned, rejects with what it threw. */
export type InvokeHandler = (payload: unknown) => Promise<unknown>;

/**
 * One queue consumed by the AMQP transport and how its messages reach their handlers.
 * Messages are never acked by the transport on a handler's behalf: handlers (or
 * `deliver`) settle them through `AmqpContext.getMessage()`.
 */
export interface AmqpSubscription<T = unknown> {
  queue: string;
  consume: ConsumeOptions;
  /** Reads a message: its pattern and the handler's input, or why it cannot be read. */
  decode(message: InboundMessage): DecodedMessage<T>;
  /**
   * A message that cannot be read or that no handler takes: `dead-letter` moves it to the
   * task dead letters with the reason in a header; `drop` acks it and logs the reason.
   */
  refuse: 'dead-letter' | 'drop';
  /** The reason given when no handler takes `pattern` (default: "no handler for pattern X"). */
  unhandled?: (pattern: string, data: T) => string;
  /**
   * Runs the handler; by default with the decoded data as payload. A subscription that
   * must do something first (wait for a slot, open a session) does it here and calls
   * `invoke` with the payload its handlers expect.
   */
  deliver?: (delivery: Delivery<T>, invoke: InvokeHandler) => Promise<void>;
}
