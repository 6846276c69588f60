import { MessagePattern } from '@nestjs/microservices';
import { type KojiValue } from '@koji-farm/koji';
import { AmqpController } from '@koji-farm/messaging';
import { type TaskContext } from './task-context';

/** The key of a Koji method's name in its pattern's extras. */
export const KOJI_METHOD_EXTRA = 'kojiMethod';

/**
 * Marks a class holding Koji task handlers (a Nest controller of the AMQP transport).
 * List it in a module's `controllers`; Nest finds its `@KojiMethod`s.
 */
export function KojiTaskHandler(): ClassDecorator {
  return AmqpController();
}

/**
 * Declares the handler of one Koji method: `@MessagePattern({ method })` for the AMQP
 * transport. The method gets the attempt's TaskContext and returns the result the hub
 * gets with `host.closeTask`. It fails by throwing: a TaskFailureError (sent to the hub
 * with its fault code), a TaskCanceledError (nothing sent), or anything else
 * (infrastructure: the message is requeued). Containers it creates are its to remove.
 */
export function KojiMethod(method: string): MethodDecorator {
  return MessagePattern({ method }, { [KOJI_METHOD_EXTRA]: method });
}

/** The shape of a `@KojiMethod` handler. */
export type TaskHandlerMethod = (task: TaskContext) => Promise<KojiValue>;
