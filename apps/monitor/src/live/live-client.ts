import { WebSocket } from 'ws';
import { type EventFilter } from './event-filter';
import { type FeedEntry } from './feed-entry';
import { type BatchMessages, eventsMessage } from './live-messages';

/** Close code for a client dropped because it does not read fast enough. */
export const CLOSE_SLOW_CONSUMER = 4008;
/** Close code sent to clients when the monitor shuts down. */
export const CLOSE_GOING_AWAY = 1001;

/** Live events that may wait for a client while it catches up from its cursor. */
const MAX_HELD_WHILE_CATCHING_UP = 10_000;

/**
 * One WebSocket client of `/api/v1/events`. Events arrive in messages of one or more, in
 * stream order. While the client catches up from its cursor, live events are held back
 * and sent after the backlog, so it sees every event once, in order. A client whose
 * unsent bytes pass the limit is dropped with a close reason instead of slowing the
 * others down.
 */
export class LiveClient {
  private catchingUp: boolean;
  private held: FeedEntry[] = [];
  private closed = false;
  alive = true;

  constructor(
    readonly socket: WebSocket,
    readonly filter: EventFilter,
    private readonly maxBufferedBytes: number,
    catchingUp: boolean,
    private readonly onDrop: (code: number, reason: string) => void,
  ) {
    this.catchingUp = catchingUp;
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  /** A batch of live entries from the feed. */
  offer(entries: readonly FeedEntry[], messages: BatchMessages): void {
    if (this.closed) return;
    if (!this.catchingUp) {
      const message = messages.for(this.filter);
      if (message !== null) this.send(message);
      return;
    }
    for (const entry of entries) if (this.filter.matches(entry)) this.held.push(entry);
    if (this.held.length > MAX_HELD_WHILE_CATCHING_UP) {
      this.drop(CLOSE_SLOW_CONSUMER, 'slow consumer: too far behind while catching up');
    }
  }

  /** A page of the backlog between the client's cursor and the feed's position. */
  replay(entries: readonly FeedEntry[]): void {
    if (this.closed) return;
    const matching = entries.filter((e) => this.filter.matches(e));
    if (matching.length > 0) this.send(eventsMessage(matching));
  }

  /** Ends the catch-up: says so, then sends what arrived meanwhile. */
  goLive(cursor: string): void {
    this.control({ kind: 'ready', cursor });
    this.catchingUp = false;
    const held = this.held;
    this.held = [];
    if (held.length > 0) this.send(eventsMessage(held));
  }

  control(message: Record<string, unknown>): void {
    this.send(JSON.stringify(message));
  }

  drop(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.held = [];
    this.onDrop(code, reason);
    // Queued behind what the client has not read yet; ws destroys the socket if the
    // closing handshake does not complete within its close timeout (30 s).
    this.socket.close(code, reason.slice(0, 120));
  }

  /** A text message; a Buffer holds its UTF-8 bytes (shared by the clients of one filter). */
  private send(message: string | Buffer): void {
    if (!this.isOpen) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.drop(CLOSE_SLOW_CONSUMER, `slow consumer: ${this.socket.bufferedAmount} bytes not yet sent`);
      return;
    }
    this.socket.send(message, { binary: false });
  }
}
