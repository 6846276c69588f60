import { type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import pino from 'pino';
import { type z } from 'zod';
import { ConfigFileError, ConfigValidationError, loadConfig, readConfigSource } from '@koji-farm/config';
import { connectAmqpTransport, createAmqpMicroservice } from '@koji-farm/messaging';
import { pinoOptions } from '@koji-farm/observability';
import { ShutdownSignals } from './shutdown-signals';

export interface AppDefinition<S extends z.ZodType> {
  /** `hub-poller`, `executor`, `monitor`: the `app` field of every log line. */
  app: string;
  schema: S;
  /** The root module, built from the validated config. */
  module: (config: z.output<S>) => DynamicModule;
  /** Where to serve HTTP, if the app has an HTTP side; otherwise an application context. */
  http?: (config: z.output<S>) => { host: string; port: number } | undefined;
}

/** Exit status for a configuration error (sysexits EX_CONFIG), distinct from a crash. */
export const EXIT_CONFIG_ERROR = 78;

/**
 * Boots one koji-farm app: validates its config (every bad key listed, then exit 78),
 * builds the Nest app with pino logs on the AMQP transport (its MessagingModule's
 * AmqpServer: the app's `@MessagePattern`/`@EventPattern` handlers), and starts HTTP
 * when the app has one. SIGTERM and SIGINT close the app, which runs every provider's
 * shutdown hooks (see `ShutdownSignals`).
 */
export async function bootstrapApp<S extends z.ZodType>(
  definition: AppDefinition<S>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<INestApplicationContext> {
  let config: z.output<S>;
  try {
    config = loadConfig(definition.app, definition.schema, readConfigSource(env));
  } catch (err) {
    if (err instanceof ConfigValidationError || err instanceof ConfigFileError) {
      const logger = pino(pinoOptions(definition.app, { level: 'info', pretty: false }), pino.destination(2));
      logger.fatal(
        { err: { name: err.name, issues: (err as Partial<ConfigValidationError>).issues } },
        err.message,
      );
      logger.flush();
      process.exit(EXIT_CONFIG_ERROR);
    }
    throw err;
  }

  const signals = new ShutdownSignals(definition.app);
  const module = definition.module(config);
  const address = definition.http?.(config);
  if (address) {
    const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
    const logger = useLogger(app);
    signals.attach(app, logger);
    connectAmqpTransport(app);
    await app.listen(address.port, address.host);
    await app.startAllMicroservices();
    logger.log(`${definition.app} started, HTTP on ${address.host}:${address.port}`);
    signals.started();
    return app;
  }
  const app = await createAmqpMicroservice(module, { bufferLogs: true });
  const logger = useLogger(app);
  signals.attach(app, logger);
  await app.listen();
  logger.log(`${definition.app} started`);
  signals.started();
  return app;
}

function useLogger(app: INestApplicationContext): Logger {
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.flushLogs();
  return logger;
}
