import pino, { type Logger } from 'pino';

/**
 * The part of a pino logger that libraries use. Libraries take one of these instead of
 * a Nest logger so that they work the same in apps, scripts and tests.
 */
export type LoggerLike = Pick<Logger, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'child'>;

/** A logger that drops everything: the default of library classes. */
export const silentLogger: LoggerLike = pino({ level: 'silent' });
