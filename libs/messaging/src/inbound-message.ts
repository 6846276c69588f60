import { type Channel, type ConsumeMessage, type MessageProperties } from 'amqplib';
import { HEADERS } from '@koji-farm/contracts';

/**
 * A delivered message with its settlement bound to the channel it came on. If that
 * channel is gone (connection lost), ack and nack do nothing and return false: the broker
 * has already put the message back for redelivery, so nothing is lost. `channelLost`
 * fires at that moment, so that work on the message can stop instead of running on
 * next to its redelivery.
 */
export class InboundMessage {
  private settled = false;

  /**
   * @param channelLost aborts (reason: ChannelClosedError) when the channel closes; a
   *   signal that never aborts when omitted.
   * @param onSettled called once when the message is acked or nacked on its channel.
   */
  constructor(
    private readonly channel: Channel,
    private readonly raw: ConsumeMessage,
    private readonly isChannelOpen: () => boolean,
    readonly queue: string,
    readonly channelLost: AbortSignal = new AbortController().signal,
    private readonly onSettled?: () => void,
  ) {}

  get content(): Buffer {
    return this.raw.content;
  }

  get properties(): MessageProperties {
    return this.raw.properties;
  }

  get headers(): Record<string, unknown> {
    return this.raw.properties.headers ?? {};
  }

  get redelivered(): boolean {
    return this.raw.fields.redelivered;
  }

  get routingKey(): string {
    return this.raw.fields.routingKey;
  }

  /**
   * Quorum queues count redeliveries in `x-delivery-count` (absent on the first
   * delivery). 0 for the first delivery, 1 for the first redelivery, ...
   */
  get deliveryCount(): number {
    const value = Number(this.headers[HEADERS.deliveryCount] ?? 0);
    return Number.isFinite(value) && value >= 0 ? value : 0;
  }

  /** The stream offset of a message read from a stream queue. */
  get streamOffset(): number | undefined {
    const value = this.headers['x-stream-offset'];
    return typeof value === 'number' ? value : undefined;
  }

  get isSettled(): boolean {
    return this.settled;
  }

  ack(): boolean {
    return this.settle(() => this.channel.ack(this.raw));
  }

  /** requeue=false dead-letters the message through the queue's dead-letter exchange. */
  nack(requeue: boolean): boolean {
    return this.settle(() => this.channel.nack(this.raw, false, requeue));
  }

  private settle(action: () => void): boolean {
    if (this.settled || this.channelLost.aborted || !this.isChannelOpen()) return false;
    this.settled = true;
    action();
    this.onSettled?.();
    return true;
  }
}
