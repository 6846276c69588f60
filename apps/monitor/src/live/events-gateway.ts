import { type IncomingMessage, STATUS_CODES } from 'node:http';
import { type Duplex } from 'node:stream';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { ApiTokenVerifier } from '../api/auth/api-token-verifier';
import { describeIssues } from '../api/describe-issues';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config';
import { MonitorMetrics } from '../metrics/monitor-metrics';
import { EventFeed } from './event-feed';
import { EventFilter, eventsQuerySchema, normalizeCursor } from './event-filter';
import { compareStreamIds } from './feed-entry';
import { CLOSE_GOING_AWAY, LiveClient } from './live-client';
import { BatchMessages } from './live-messages';

export const EVENTS_PATH = '/api/v1/events';
const CATCH_UP_PAGE = 500;
const PING_INTERVAL_MS = 30_000;

/**
 * `GET /api/v1/events` upgraded to a WebSocket: live events, filtered by task, type and
 * executor, resumable from a cursor (docs/adr/0043-monitor-live-events.md). Runs on the
 * monitor's own HTTP server, so auth and the port are those of the REST API.
 */
@Injectable()
export class EventsGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    perMessageDeflate: false,
  });
  private readonly clients = new Set<LiveClient>();
  private unsubscribe?: () => void;
  private pinger?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly feed: EventFeed,
    private readonly verifier: ApiTokenVerifier,
    private readonly metrics: MonitorMetrics,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(EventsGateway.name);
    metrics.onCollect(() => metrics.websocketClients.set(this.clients.size));
  }

  onApplicationBootstrap(): void {
    const http = this.adapterHost.httpAdapter.getHttpServer() as import('node:http').Server;
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    this.unsubscribe = this.feed.subscribe((entries) => {
      const messages = new BatchMessages(entries);
      for (const client of this.clients) client.offer(entries, messages);
    });
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.pinger);
    this.unsubscribe?.();
    for (const client of this.clients) client.drop(CLOSE_GOING_AWAY, 'monitor shutting down');
    this.clients.clear();
    this.server.close();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://monitor');
    if (url.pathname !== EVENTS_PATH)
      return reject(socket, 404, 'not_found', `no WebSocket endpoint at ${url.pathname}`);
    if (!this.verifier.isAuthorized(req.headers)) {
      return reject(socket, 401, 'unauthorized', 'a valid Authorization: Bearer token is required');
    }
    const parsed = eventsQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) return reject(socket, 400, 'bad_request', describeIssues(parsed.error));
    const since = parsed.data.since === undefined ? undefined : normalizeCursor(parsed.data.since);
    this.server.handleUpgrade(req, socket, head, (ws) =>
      this.accept(ws, new EventFilter(parsed.data), since),
    );
  }

  private accept(ws: WebSocket, filter: EventFilter, since: string | undefined): void {
    const client = new LiveClient(
      ws,
      filter,
      this.config.websocket.maxBufferedBytes,
      since !== undefined,
      (code, reason) => {
        if (code === CLOSE_GOING_AWAY) this.logger.debug({ reason }, 'closing a WebSocket client');
        else this.logger.warn({ code, reason }, 'dropping a WebSocket client');
      },
    );
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', (err) => this.logger.debug({ err }, 'WebSocket client error'));
    ws.on('pong', () => (client.alive = true));
    // Taken in the same tick as the registration: entries after it reach the client live.
    const cursor = this.feed.cursor;
    if (since === undefined) return client.goLive(cursor);
    this.catchUp(client, since, cursor).catch((err: unknown) => {
      this.logger.error({ err, since }, 'catching a WebSocket client up failed');
      client.drop(1011, 'could not read the event stream');
    });
  }

  private async catchUp(client: LiveClient, since: string, until: string): Promise<void> {
    const trimmed = await this.feed.maxDeletedId();
    if (compareStreamIds(since, trimmed) < 0) {
      client.control({
        kind: 'gap',
        message: `events up to ${trimmed} were trimmed from the stream; some after ${since} are lost`,
      });
    }
    let after = since;
    while (client.isOpen && compareStreamIds(after, until) < 0) {
      const page = await this.feed.range(after, until, CATCH_UP_PAGE);
      client.replay(page);
      if (page.length < CATCH_UP_PAGE) break;
      after = page.at(-1)!.id;
    }
    if (client.isOpen) client.goLive(compareStreamIds(since, until) > 0 ? since : until);
  }

  private ping(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}

/** Answers an upgrade request with a JSON error, as the REST API would. */
function reject(socket: Duplex, status: number, error: string, message: string): void {
  const body = JSON.stringify({ error, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
