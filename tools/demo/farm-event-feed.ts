import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { type FarmEvent, farmEventSchema } from '@koji-farm/contracts';

interface FeedMessage {
  kind: 'events' | 'ready' | 'gap';
  items?: Array<{ cursor: string; event: unknown }>;
  cursor?: string;
  message?: string;
}

const RECONNECT_ATTEMPTS = 20;
const RECONNECT_DELAY_MS = 500;

/**
 * The farm's live events from the monitor's WebSocket (`/api/v1/events`), in stream order.
 * A dropped connection is resumed from the last cursor, so no event is missed or repeated.
 * Events that do not match the public contract (a newer producer) are skipped.
 */
export class FarmEventFeed {
  private socket?: WebSocket;
  private cursor?: string;
  private closed = false;

  private constructor(
    private readonly wsUrl: string,
    private readonly onEvent: (event: FarmEvent) => void,
    private readonly onTrouble: (message: string) => void,
  ) {}

  /** Connects and resolves once the monitor says the feed is live. */
  static async connect(
    monitorUrl: string,
    handlers: { onEvent: (event: FarmEvent) => void; onTrouble: (message: string) => void },
  ): Promise<FarmEventFeed> {
    const feed = new FarmEventFeed(
      `${monitorUrl.replace(/^http/, 'ws')}/api/v1/events`,
      handlers.onEvent,
      handlers.onTrouble,
    );
    await feed.open();
    return feed;
  }

  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }

  private open(): Promise<void> {
    const url = this.cursor ? `${this.wsUrl}?since=${encodeURIComponent(this.cursor)}` : this.wsUrl;
    const socket = new WebSocket(url);
    this.socket = socket;
    return new Promise<void>((resolve, reject) => {
      let live = false;
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as FeedMessage;
        if (message.kind === 'ready' && !live) {
          live = true;
          resolve();
        } else if (message.kind === 'gap') {
          this.onTrouble(`the monitor lost some events: ${message.message ?? ''}`);
        }
        for (const item of message.items ?? []) {
          this.cursor = item.cursor;
          const parsed = farmEventSchema.safeParse(item.event);
          if (parsed.success) this.onEvent(parsed.data);
        }
      });
      socket.once('error', (err) => {
        if (!live) reject(err);
      });
      socket.once('close', () => {
        if (!live) reject(new Error('the monitor closed the event feed before it was live'));
        else if (!this.closed) void this.reconnect();
      });
    });
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; attempt <= RECONNECT_ATTEMPTS && !this.closed; attempt++) {
      await delay(RECONNECT_DELAY_MS);
      try {
        await this.open();
        return;
      } catch {
        // the monitor may be restarting: try again
      }
    }
    if (!this.closed) this.onTrouble('lost the monitor’s event feed; progress is no longer shown');
  }
}
