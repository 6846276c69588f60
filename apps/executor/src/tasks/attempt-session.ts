import { type TaskMessage } from '@koji-farm/contracts';
import { KojiClient, type KojiFault, type KojiLogger, type SessionCredentials } from '@koji-farm/koji';

/** Where a running attempt can be found by a leader's session handover (control/). */
export interface AttemptSessionRegistry {
  /** Returns the function that takes the attempt out again. */
  register(taskId: number, generation: number, attempt: number, session: AttemptSession): () => void;
}

export interface AttemptSessionOptions {
  retries: number;
  retryIntervalMs: number;
  logger: KojiLogger;
  /** How long a call the hub refuses for its session waits for a handover (0: fail at once). */
  handoverWaitMs?: number;
  /** Registers the attempt for handovers while it runs. */
  registry?: AttemptSessionRegistry;
  /** The message's generation and the attempt number, for the registry. */
  generation?: number;
  attempt?: number;
}

/**
 * The hub session of one attempt. The message carries the task's subsession (minted by
 * the poller, its callnums unused); every attempt asks the hub for a fresh sibling with
 * `subsession()` and uses only that one for the task's calls, so attempts on different
 * executors never collide on callnums. That first call goes out on the message's session
 * with callnum = the attempt number (the task lease's, ADR 0083: it only grows per task,
 * whereas a message handed back as a copy restarts its delivery count), so attempt N's
 * call is always later than attempt N-1's (ADR 0061).
 *
 * When a new poller leader takes the host, the hub refuses both (AuthLockError: another
 * master holds the exclusive lock). The leader hands the attempt a subsession of its own
 * master (a `session` control message, ADR 0082): `adopt` swaps it in, and a call the hub
 * refused meanwhile waits for it (up to `handoverWaitMs`) and is sent again, so the
 * attempt carries on: log uploads continue at their offsets, closeTask/failTask go out
 * with the new session.
 */
export class AttemptSession {
  private child: KojiClient | null = null;
  private readonly waiters = new Set<() => void>();
  private unregister: () => void = () => undefined;
  /** Handovers this attempt took (for logs and tests). */
  handovers = 0;

  private constructor(
    private readonly parent: KojiClient,
    private readonly options: AttemptSessionOptions,
  ) {}

  static async open(
    message: TaskMessage,
    /** The first call's callnum on the message's session: the attempt number. */
    callnumStart: number,
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
      { callnumStart },
    );
    const session = new AttemptSession(parent, options);
    if (options.registry && options.generation !== undefined && options.attempt !== undefined)
      session.unregister = options.registry.register(
        message.taskId,
        options.generation,
        options.attempt,
        session,
      );
    try {
      // Refused here (the message's master was replaced before the attempt began), the
      // attempt has nothing to save: it ends as gone and the poller reissues the task.
      session.child = await parent.subsession();
      session.child.onSessionRefused(session.waitForHandover);
      return session;
    } catch (err) {
      session.unregister();
      await parent.close();
      throw err;
    }
  }

  /** The client of the attempt's own session: every task call goes through it. */
  get client(): KojiClient {
    if (!this.child) throw new Error('the attempt session is not open yet');
    return this.child;
  }

  /** Id of the attempt's own session (not a secret; its key is). */
  get sessionId(): number | undefined {
    return this.child?.sessionId;
  }

  /**
   * Carries on with a subsession of the new leader's master session (its key is a
   * secret). Calls waiting on a refusal are sent again with it. False while the attempt
   * has no session of its own yet (nothing to carry on).
   */
  adopt(credentials: SessionCredentials): boolean {
    if (!this.child) return false;
    this.child.replaceSession(credentials);
    this.handovers++;
    for (const wake of [...this.waiters]) wake();
    return true;
  }

  /** Logs the attempt's subsession out (unless told not to talk to the hub) and drops the connections. */
  async close(logout: boolean): Promise<void> {
    this.unregister();
    for (const wake of [...this.waiters]) wake();
    const child = this.child;
    if (logout && child) {
      child.onSessionRefused(null);
      try {
        await child.logout();
      } catch {
        // The subsession dies with its master anyway.
      }
    }
    await child?.close();
    await this.parent.close();
  }

  /** The hub refused the session: wait (bounded) for a handover; true once one came. */
  private readonly waitForHandover = (refusal: KojiFault, signal?: AbortSignal): Promise<boolean> => {
    const waitMs = this.options.handoverWaitMs ?? 0;
    if (waitMs <= 0 || signal?.aborted) return Promise.resolve(false);
    const handovers = this.handovers;
    this.options.logger.warn(
      { fault: refusal.name, faultCode: refusal.faultCode, waitMs },
      "the hub refused the attempt's session (a new poller leader?); waiting for its handover",
    );
    return new Promise<boolean>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve(this.handovers > handovers);
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  };
}
