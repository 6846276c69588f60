import { Injectable } from '@nestjs/common';
import { type SessionCredentials } from '@koji-farm/koji';
import { type AttemptSession, type AttemptSessionRegistry } from '../tasks/attempt-session';

interface Entry {
  generation: number;
  attempt: number;
  session: AttemptSession;
}

/** What became of a session handover. */
export type HandoverResult = { taken: true; attempt: number } | { taken: false; reason: string };

/**
 * The hub sessions of the attempts running on this executor, by task, so that a new
 * poller leader's `session` handover reaches the attempt it was minted for (ADR 0082).
 */
@Injectable()
export class AttemptSessions implements AttemptSessionRegistry {
  private readonly byTask = new Map<number, Entry>();

  register(taskId: number, generation: number, attempt: number, session: AttemptSession): () => void {
    const entry = { generation, attempt, session };
    this.byTask.set(taskId, entry);
    return () => {
      if (this.byTask.get(taskId) === entry) this.byTask.delete(taskId);
    };
  }

  /** Gives the attempt of `generation` of the task the new credentials, if it runs here. */
  hand(taskId: number, generation: number, credentials: SessionCredentials): HandoverResult {
    const entry = this.byTask.get(taskId);
    if (!entry) return { taken: false, reason: 'no attempt of the task runs on this executor' };
    if (entry.generation !== generation)
      return {
        taken: false,
        reason: `this executor runs generation ${entry.generation} of the task, not ${generation}`,
      };
    if (!entry.session.adopt(credentials))
      return { taken: false, reason: 'the attempt has not opened its own session yet' };
    return { taken: true, attempt: entry.attempt };
  }
}
