import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA(s) that sign accepted client certificates. */
  ca?: string | Buffer;
}

/**
 * The listening socket. It can go "down" (listener closed, open connections cut, so
 * clients see ECONNREFUSED) and come back up on the same port.
 */
export class HubServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(
    private readonly host: string,
    private readonly handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
    private readonly tls: TlsOptions | undefined,
    private readonly logger: Logger,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  async listen(port: number): Promise<void> {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      this.handler(req, res).catch((error: unknown) => {
        this.logger.error({ err: error, url: req.url }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('internal simulator error\n');
      });
    };
    const server = this.tls
      ? createHttpsServer({ ...this.tls, requestCert: true, rejectUnauthorized: false }, onRequest)
      : createHttpServer(onRequest);
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the listener and cuts every open connection. Idempotent. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Opens the listener again on the port it had. */
  async reopen(): Promise<void> {
    if (this.server) return;
    await this.listen(this.boundPort);
  }
}
