import pino from 'pino';
import { type LoggerLike, pinoOptions } from '@koji-farm/observability';
import { type ExecutorConfig } from './config/executor.config';

/**
 * The executor's own pino logger, one per app instance. nestjs-pino keeps one logger per
 * process; a logger of our own lets two executors in one process (tests) keep their
 * lines apart. Same options (redaction of secrets included) as every koji-farm app.
 */
export const EXECUTOR_LOGGER = Symbol('EXECUTOR_LOGGER');

export function createExecutorLogger(
  config: ExecutorConfig,
  destination?: NodeJS.WritableStream,
): LoggerLike {
  const options = pinoOptions('executor', config.log);
  if (destination) return pino({ ...options, transport: undefined }, destination as pino.DestinationStream);
  return pino(options);
}
