import { type KojiLogger } from '@koji-farm/koji';
import { type LoggerLike } from '@koji-farm/observability';

/**
 * Whether the hub answers, as the poller's heartbeat and readiness report it. Every
 * answered call (a fault is an answer) marks it up; a call that failed to connect, or a
 * connection retry the client reports while resending with the same callnum, marks it
 * down.
 */
export class HubConnectionState {
  connected = false;
  lastOkAt: Date | null = null;

  markAnswered(): void {
    this.connected = true;
    this.lastOkAt = new Date();
  }

  markUnreachable(): void {
    this.connected = false;
  }

  /**
   * The client's logger, forwarding to pino. The client reports each connection retry
   * as a warning carrying `retry` and `code` (libs/koji RpcCaller); that is the only
   * signal of a call still being resent, so it also marks the hub unreachable.
   */
  clientLogger(logger: LoggerLike): KojiLogger {
    return {
      debug: (obj, msg) => logger.debug(obj, msg),
      info: (obj, msg) => logger.info(obj, msg),
      error: (obj, msg) => logger.error(obj, msg),
      warn: (obj, msg) => {
        if ('retry' in obj && 'code' in obj) this.markUnreachable();
        logger.warn(obj, msg);
      },
    };
  }
}
