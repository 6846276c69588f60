import { Inject, Injectable } from '@nestjs/common';
import { AmqpServer } from '@koji-farm/messaging';
import { KOJI_METHOD_EXTRA } from './task-handler';

/** The Koji methods this executor has handlers for, as Nest registered them on the transport. */
@Injectable()
export class KojiMethods {
  constructor(@Inject(AmqpServer) private readonly server: AmqpServer) {}

  /** Methods offered in heartbeats, sorted. */
  get names(): string[] {
    return this.server
      .patterns()
      .map(({ extras }) => extras[KOJI_METHOD_EXTRA])
      .filter((method): method is string => typeof method === 'string')
      .sort();
  }
}
