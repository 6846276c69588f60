import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The CN of the TLS client certificate, when there was one. */
  clientCn?: string;
}

export type Responder = (req: SeenRequest, res: ServerResponse) => void;

/**
 * A tiny local HTTP(S) server for transport-level bad input that a real hub would not
 * send on purpose: each request takes the next scripted responder (the last one repeats).
 */
export class ScriptedHttpServer {
  readonly requests: SeenRequest[] = [];
  private responders: Responder[] = [];
  private readonly server: Server;

  private constructor(private readonly tls?: ServerOptions) {
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const socket = req.socket as { getPeerCertificate?: () => { subject?: { CN?: string } } };
        const seen: SeenRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
          clientCn: socket.getPeerCertificate?.()?.subject?.CN,
        };
        this.requests.push(seen);
        const responder = this.responders.length > 1 ? this.responders.shift() : this.responders[0];
        if (!responder) {
          res.writeHead(500).end('no responder scripted');
          return;
        }
        responder(seen, res);
      });
    };
    this.server = tls ? createHttpsServer(tls, handle) : createHttpServer(handle);
  }

  static async start(tls?: ServerOptions): Promise<ScriptedHttpServer> {
    const sut = new ScriptedHttpServer(tls);
    await new Promise<void>((resolve) => sut.server.listen(0, '127.0.0.1', resolve));
    return sut;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  /** Replaces the script: requests take these in order, the last one repeats. */
  script(...responders: Responder[]): void {
    this.responders = responders;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** An XML reply with HTTP 200. */
export const xml =
  (body: string, status = 200, contentType = 'text/xml'): Responder =>
  (_req, res) => {
    res
      .writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
      .end(body);
  };

/** Cuts the connection without answering. */
export const reset: Responder = (_req, res) => {
  res.socket?.destroy();
};
