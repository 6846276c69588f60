export interface AmqpConnectionOptions {
  /** amqp:// or amqps:// URL; its password is never logged. */
  url: string;
  /** Shown in RabbitMQ's connection list (`connection_name`). */
  connectionName: string;
  /** Attempts at boot before giving up with AmqpConnectError (a bad URL fails fast). Default 10. */
  connectAttempts?: number;
  /** Delay between connection attempts, at boot and when reconnecting. Default 1000 ms. */
  retryDelayMs?: number;
  /** AMQP heartbeat in seconds. Default 10. */
  heartbeatSeconds?: number;
  /** How long publish() waits for a connection while reconnecting. Default 30000 ms. */
  publishWaitMs?: number;
  /**
   * Declares the topology and the consumers' bindings again this often (0: never), so
   * that an exchange another process deleted and declared again gets this process's
   * bindings back although this process met no 404. Default 30000 ms.
   */
  topologyRefreshMs?: number;
}

export const DEFAULT_CONNECT_ATTEMPTS = 10;
export const DEFAULT_RETRY_DELAY_MS = 1000;
export const DEFAULT_HEARTBEAT_SECONDS = 10;
export const DEFAULT_PUBLISH_WAIT_MS = 30_000;
export const DEFAULT_TOPOLOGY_REFRESH_MS = 30_000;

/** The URL with its password masked, for logs and errors. */
export function redactAmqpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable AMQP URL)';
  }
}
