import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { type AmqpTopology, amqpTopology } from '@koji-farm/contracts';
import { AmqpConnection } from './amqp-connection';
import { type AmqpConnectionOptions } from './amqp-options';

export const AMQP_TOPOLOGY = Symbol('AMQP_TOPOLOGY');

export interface MessagingModuleOptions extends AmqpConnectionOptions {
  namespace: string;
}

/** Closes the connection when the app shuts down, after the app's own services stopped. */
@Injectable()
class AmqpConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(AmqpConnection) private readonly connection: AmqpConnection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * Provides the app's one AmqpConnection (connected before the app starts, so a wrong
 * URL stops the boot) and the topology names for its namespace.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        {
          provide: AmqpConnection,
          inject: [PinoLogger],
          useFactory: (logger: PinoLogger) => AmqpConnection.connect(options, logger.logger),
        },
        { provide: AMQP_TOPOLOGY, useValue: amqpTopology(options.namespace) },
        AmqpConnectionCloser,
      ],
      exports: [AmqpConnection, AMQP_TOPOLOGY],
    };
  }
}

export type { AmqpTopology };
