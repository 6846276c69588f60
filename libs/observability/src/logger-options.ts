import { type LoggerOptions } from 'pino';
import { REDACT_PATHS } from './redact-paths';

export interface LoggingConfig {
  level: string;
  pretty: boolean;
}

/** pino options shared by every app and script: structured JSON, app name, secrets redacted. */
export function pinoOptions(app: string, config: LoggingConfig): LoggerOptions {
  return {
    level: config.level,
    base: { app },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    transport: config.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
  };
}
