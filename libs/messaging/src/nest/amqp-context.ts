import { BaseRpcContext } from '@nestjs/microservices';
import { type InboundMessage } from '../inbound-message';

type AmqpContextArgs = [message: InboundMessage, pattern: string];

/**
 * What a handler of the AMQP transport gets as `@Ctx()`: the delivery itself, whose
 * `ack()`/`nack()` settle it on the channel it came on (every consumer acks manually),
 * and the pattern it was routed by.
 */
export class AmqpContext extends BaseRpcContext<AmqpContextArgs> {
  getMessage(): InboundMessage {
    return this.args[0];
  }

  getPattern(): string {
    return this.args[1];
  }
}
