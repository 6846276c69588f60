import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { type AmqpTopology, amqpTopology } from '@koji-farm/contracts';
import { AmqpConnection } from './amqp-connection';
import { type AmqpConnectionOptions } from './amqp-options';
import { AmqpClient } from './nest/amqp-client';
import { AmqpServer } from './nest/amqp-server';

export const AMQP_TOPOLOGY = Symbol('AMQP_TOPOLOGY');

/**
 * The `ClientProxy` (AmqpClient) of `koji.events`: `emit(type, event)` publishes with the
 * event type as routing key, not mandatory (nobody may be bound to a type yet).
 */
export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');

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
 * URL stops the boot), the topology names for its namespace, and the AmqpServer that
 * carries Nest's microservices model over that connection (connect the app to it with
 * `connectAmqpTransport` or `createAmqpMicroservice`).
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
        {
          provide: AmqpServer,
          inject: [AmqpConnection, AMQP_TOPOLOGY, PinoLogger],
          useFactory: (connection: AmqpConnection, names: AmqpTopology, logger: PinoLogger) =>
            new AmqpServer(connection, names, logger.logger),
        },
        {
          provide: EVENTS_CLIENT,
          inject: [AmqpConnection, AMQP_TOPOLOGY],
          useFactory: (connection: AmqpConnection, names: AmqpTopology) =>
            new AmqpClient(connection, names.eventsExchange, { mandatory: false }),
        },
        AmqpConnectionCloser,
      ],
      exports: [AmqpConnection, AMQP_TOPOLOGY, AmqpServer, EVENTS_CLIENT],
    };
  }
}

export type { AmqpTopology };
