export * from './logger-options';
export * from './logger.module';
export * from './redact-paths';
export * from './logger-like';
