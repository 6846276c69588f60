import { type TaskMessage } from '@koji-farm/contracts';
import { KojiClient, type KojiLogger } from '@koji-farm/koji';

export interface AttemptSessionOptions {
  retries: number;
  retryIntervalMs: number;
  logger: KojiLogger;
}

/**
 * The hub session of one attempt. The message carries the task's subsession (minted by
 * the poller, its callnums unused); every attempt asks the hub for a fresh sibling with
 * `subsession()` and uses only that one for the task's calls, so attempts on different
 * executors never collide on callnums. That first call goes out on the message's session
 * with callnum = deliveryCount, so attempt N's call is always later than attempt N-1's
 * (ADR 0061).
 */
export class AttemptSession {
  private constructor(
    private readonly parent: KojiClient,
    readonly client: KojiClient,
  ) {}

  static async open(
    message: TaskMessage,
    deliveryCount: number,
    options: AttemptSessionOptions,
  ): Promise<AttemptSession> {
    const parent = KojiClient.fromSession(
      message.session,
      {
        hubUrl: message.hub.url,
        topUrl: message.hub.topurl,
        retry: { maxRetries: options.retries, intervalMs: options.retryIntervalMs },
        logger: options.logger,
      },
      { callnumStart: deliveryCount },
    );
    try {
      return new AttemptSession(parent, await parent.subsession());
    } catch (err) {
      await parent.close();
      throw err;
    }
  }

  /** Id of the attempt's own session (not a secret; its key is). */
  get sessionId(): number | undefined {
    return this.client.sessionId;
  }

  /** Logs the attempt's subsession out (unless told not to talk to the hub) and drops the connections. */
  async close(logout: boolean): Promise<void> {
    if (logout) {
      try {
        await this.client.logout();
      } catch {
        // The subsession dies with its master anyway.
      }
    }
    await this.client.close();
    await this.parent.close();
  }
}
