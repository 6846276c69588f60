import { WebSocket } from 'ws';
import { type Loose } from './loose';

/** One event or control frame (an `events` message is split into one frame per event). */
export interface Frame {
  kind: 'event' | 'ready' | 'gap';
  cursor?: string;
  event?: Loose;
  message?: string;
}

/** A WebSocket client of /api/v1/events that collects frames and lets a test await them. */
export class EventsClient {
  readonly frames: Frame[] = [];
  closeCode?: number;
  closeReason?: string;
  private waiters: Array<() => void> = [];
  private readonly closed: Promise<void>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as Frame & {
        items?: Array<{ cursor: string; event: Loose }>;
      };
      // An `events` message carries one or more events; frames lists them one by one.
      if (message.kind === ('events' as Frame['kind'])) {
        for (const item of message.items ?? [])
          this.frames.push({ kind: 'event', cursor: item.cursor, event: item.event });
      } else {
        this.frames.push(message);
      }
      this.notify();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code: number, reason: Buffer) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.notify();
        resolve();
      }),
    );
  }

  /** Connects and waits for the `ready` frame (the client is live). */
  static async connect(
    wsUrl: string,
    query = '',
    headers: Record<string, string> = {},
  ): Promise<EventsClient> {
    const socket = new WebSocket(`${wsUrl}/api/v1/events${query ? `?${query}` : ''}`, { headers });
    const client = new EventsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
    });
    await client.until((frames) => frames.some((f) => f.kind === 'ready'));
    return client;
  }

  get events(): Loose[] {
    return this.frames.filter((f) => f.kind === 'event').map((f) => f.event);
  }

  get lastCursor(): string | undefined {
    return this.frames.filter((f) => f.cursor).at(-1)?.cursor;
  }

  /** Resolves once `predicate` holds for the frames received (or the socket closed). */
  async until(predicate: (frames: Frame[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.frames)) {
      if (this.closeCode !== undefined)
        throw new Error(`socket closed (${this.closeCode} ${this.closeReason})`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out with ${this.frames.length} frames`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }

  whenClosed(): Promise<void> {
    return this.closed;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
