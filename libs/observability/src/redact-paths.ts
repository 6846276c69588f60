/**
 * pino redaction list: fields that may hold a secret wherever they appear in a log
 * object (one or two levels deep, and in request headers). Session keys, passwords
 * and API tokens must never reach a log line.
 */
export const REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'key',
  '*.key',
  '*.*.key',
  'sessionKey',
  '*.sessionKey',
  'session-key',
  '*["session-key"]',
  'token',
  '*.token',
  'apiToken',
  '*.apiToken',
  'authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["koji-session-key"]',
  'headers.authorization',
  'headers["koji-session-key"]',
];
