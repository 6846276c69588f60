import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Socket } from 'node:net';
import { decodeRequest, decodeResponse, isKojiStruct, type KojiValue } from '@koji-farm/koji/xmlrpc';

/** One request the farm sent to the hub, as the tap saw it. Never holds a session key or password. */
export interface HubRequestRecord {
  at: number;
  /** The XML-RPC method (each entry of a multiCall on its own), `upload`, or `file` (topurl). */
  method: string;
  /** The first argument when it is a number (the task or buildroot id of host calls). */
  firstArg?: number;
  sessionId?: number;
  callnum?: number;
  /** Upload query: file name, directory and offset; the body's size (Content-Length). */
  upload?: { name: string; path: string; offset: number; size?: number };
  /** The fault the hub answered, null for a result; undefined when no Koji reply came back. */
  faultCode?: number | null;
  httpStatus?: number;
}

/** Methods whose arguments may carry a password or key: never decoded into a record. */
const SECRET_METHODS = new Set(['login', 'sslLogin']);

/**
 * A recording HTTP proxy in front of the hub simulator: the farm's processes talk to the
 * tap's `url`/`topurl`, the tap forwards every request and notes what was called, by
 * which session with which callnum, and what came back. It can also take the hub "off
 * the network" (`goDown`: connections refused and open ones cut), which a process that
 * only knows the hub's address cannot tell from a real outage.
 */
export class HubTap {
  readonly records: HubRequestRecord[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private downTimer?: NodeJS.Timeout;

  private constructor(private readonly target: URL) {}

  /** `targetBase`: the simulator's base URL (`http://127.0.0.1:<port>`). */
  static async start(targetBase: string): Promise<HubTap> {
    const tap = new HubTap(new URL(targetBase));
    await tap.listen(0);
    return tap;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/kojihub`;
  }

  get topurl(): string {
    return `http://127.0.0.1:${this.port}/kojifiles`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** Records of one method (and task id, for host calls). */
  calls(method: string, firstArg?: number): HubRequestRecord[] {
    return this.records.filter(
      (r) => r.method === method && (firstArg === undefined || r.firstArg === firstArg),
    );
  }

  /** The hub goes off the network; back after `ms` if given (or at `comeUp`). */
  async goDown(ms?: number): Promise<void> {
    clearTimeout(this.downTimer);
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    if (ms !== undefined) this.downTimer = setTimeout(() => void this.comeUp(), ms);
  }

  async comeUp(): Promise<void> {
    clearTimeout(this.downTimer);
    if (!this.server) await this.listen(this.port);
  }

  async stop(): Promise<void> {
    await this.goDown();
    clearTimeout(this.downTimer);
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.forward(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        this.port = typeof address === 'object' && address ? address.port : port;
        this.server = server;
        resolve();
      });
    });
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://tap');
    const isHub = url.pathname.startsWith('/kojihub');
    const isUpload = isHub && req.headers['content-type'] === 'application/octet-stream';
    const base: HubRequestRecord = {
      at: Date.now(),
      method: isHub ? (isUpload ? 'upload' : 'call') : 'file',
      sessionId: numberHeader(req, 'koji-session-id') ?? numberParam(url, 'session-id'),
      callnum: numberHeader(req, 'koji-session-callnum') ?? numberParam(url, 'callnum'),
    };
    if (isUpload) {
      base.upload = {
        name: url.searchParams.get('filename') ?? '',
        path: url.searchParams.get('filepath') ?? '',
        offset: Number(url.searchParams.get('offset') ?? 0),
        size: numberHeader(req, 'content-length'),
      };
    }
    // XML-RPC bodies are small: read them to know the method; uploads and files stream.
    let body: Buffer | undefined;
    if (isHub && !isUpload) body = await readAll(req);
    const upstream = request(
      {
        host: this.target.hostname,
        port: Number(this.target.port),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.target.host },
      },
      (reply) => {
        if (!isHub || reply.headers['content-type'] !== 'text/xml') {
          base.httpStatus = reply.statusCode;
          if (isUpload) this.records.push(base);
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
          return;
        }
        void readAll(reply).then((replyBody) => {
          this.note(base, body, replyBody, reply.statusCode);
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          res.end(replyBody);
        });
      },
    );
    upstream.once('error', () => {
      base.httpStatus = 502;
      this.records.push(base);
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  }

  /** Records one XML-RPC exchange, a multiCall as one record per entry. */
  private note(
    base: HubRequestRecord,
    requestBody: Buffer | undefined,
    replyBody: Buffer,
    status?: number,
  ): void {
    base.httpStatus = status;
    if (base.method === 'upload') {
      base.faultCode = faultOf(replyBody);
      this.records.push(base);
      return;
    }
    let call: { method: string; params: KojiValue[] };
    try {
      call = decodeRequest(requestBody ?? Buffer.alloc(0));
    } catch {
      this.records.push({ ...base, method: '(undecodable)' });
      return;
    }
    if (call.method !== 'multiCall') {
      this.records.push({
        ...base,
        method: call.method,
        firstArg: SECRET_METHODS.has(call.method) ? undefined : firstNumber(call.params),
        faultCode: faultOf(replyBody),
      });
      return;
    }
    const entries = Array.isArray(call.params[0]) ? call.params[0] : [];
    let results: KojiValue[] = [];
    try {
      const decoded = decodeResponse(replyBody);
      if (decoded.ok && Array.isArray(decoded.value)) results = decoded.value;
    } catch {
      // recorded without outcomes
    }
    entries.forEach((entry, i) => {
      if (!isKojiStruct(entry)) return;
      const method = typeof entry.methodName === 'string' ? entry.methodName : '(unknown)';
      const params = Array.isArray(entry.params) ? entry.params : [];
      const result = results[i];
      const faultCode =
        isKojiStruct(result) && typeof result.faultCode === 'number'
          ? result.faultCode
          : result === undefined
            ? undefined
            : null;
      this.records.push({
        ...base,
        method,
        firstArg: SECRET_METHODS.has(method) ? undefined : firstNumber(params),
        faultCode,
      });
    });
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function faultOf(xml: Buffer): number | null | undefined {
  try {
    const decoded = decodeResponse(xml);
    return decoded.ok ? null : decoded.faultCode;
  } catch {
    return undefined;
  }
}

function firstNumber(params: KojiValue[]): number | undefined {
  const first = params[0];
  if (typeof first === 'number') return first;
  if (typeof first === 'bigint') return Number(first);
  return undefined;
}

function numberHeader(req: IncomingMessage, name: string): number | undefined {
  const value = req.headers[name];
  const n = Number(Array.isArray(value) ? value[0] : value);
  return value !== undefined && Number.isFinite(n) ? n : undefined;
}

function numberParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  return value !== null && Number.isFinite(Number(value)) ? Number(value) : undefined;
}
