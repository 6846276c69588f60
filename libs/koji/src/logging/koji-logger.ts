/**
 * The subset of a pino logger the client uses, so any pino (or nestjs-pino
 * `PinoLogger.logger`) instance fits. The client never puts session keys, passwords,
 * call arguments or full URLs with queries in a log line.
 */
export interface KojiLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;

/** A logger that drops everything, for clients created without one. */
export const silentLogger: KojiLogger = { debug: noop, info: noop, warn: noop, error: noop };
