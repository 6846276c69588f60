import { type DynamicModule, type INestApplication, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestApplicationContextOptions } from '@nestjs/common/interfaces/nest-application-context-options.interface';
import { AmqpServer } from './amqp-server';

/**
 * An app without HTTP as a Nest microservice on the AMQP transport (the app's
 * MessagingModule provides the server). `listen()` registers the handlers, runs the
 * init and bootstrap hooks, then starts the transport; `close()` stops it first.
 */
export function createAmqpMicroservice(
  module: DynamicModule,
  options: NestApplicationContextOptions = {},
): Promise<INestMicroservice> {
  return NestFactory.createMicroservice(module, {
    ...options,
    inject: [AmqpServer],
    useFactory: (strategy: AmqpServer) => ({ strategy }),
  });
}

/**
 * Connects an HTTP app to the AMQP transport. Call it before `app.init()`/`listen()`:
 * the handlers are registered here, so that services starting subscriptions in their
 * bootstrap hooks find them; then `app.startAllMicroservices()`.
 */
export function connectAmqpTransport(app: INestApplication): INestMicroservice {
  return app.connectMicroservice({ strategy: app.get(AmqpServer) });
}
