import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { HubConnectionError } from '../errors/hub-connection-error';
import { HubHttpError } from '../errors/hub-http-error';
import { HubProtocolError } from '../errors/hub-protocol-error';
import { HubTlsError } from '../errors/hub-tls-error';
import { classifyRequestError } from './classify-error';
import { discardBody } from './discard-body';
import { redactUrl, scrubSecrets, snippet } from './redact';
import { errorMessage } from './error-message';

/** PEM files for TLS: the client certificate and key (for `sslLogin`) and the hub's CA. */
export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

export interface HubTransportOptions {
  tls?: TlsFiles;
  connectTimeoutMs: number;
  /** Longest wait for the reply's headers (the hub working on the call). */
  requestTimeoutMs: number;
  /** Longest silence while the reply's body streams in. */
  bodyTimeoutMs: number;
  /** Replies larger than this are refused (see ADR 0023). */
  maxResponseBytes: number;
  userAgent: string;
}

export interface HubPost {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  contentType: 'text/xml' | 'application/octet-stream';
  signal?: AbortSignal;
  /** Overrides `requestTimeoutMs` (logins use a shorter one). */
  timeoutMs?: number;
  /** Values to scrub from any server text that ends up in an error. */
  secrets?: ReadonlyArray<string | undefined>;
}

export interface HubGet {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

const GATEWAY_STATUSES = new Set([502, 503, 504]);
const ERROR_SNIPPET_BYTES = 4096;

/**
 * The one HTTP seam to the hub and `topurl`: POSTs XML-RPC calls and upload chunks,
 * GETs files. Classifies every failure into a typed error (see errors/) and enforces
 * the reply size cap while streaming, so no reply is buffered past it.
 * Shared by a client and all its subsession clients; `close()` once at the end.
 */
export class HubTransport {
  private readonly dispatcher: Agent;
  private closed = false;
  /** The `Koji-Version` header of the last reply, when the hub sends one. */
  hubVersion: string | undefined;

  constructor(readonly options: HubTransportOptions) {
    this.dispatcher = new Agent({
      connect: { timeout: options.connectTimeoutMs, ...readTlsFiles(options.tls) },
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
    });
  }

  /** POSTs and returns the body of an HTTP 200 reply (never empty, never over the cap). */
  async post(req: HubPost): Promise<Buffer> {
    const where = redactUrl(req.url);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(req.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { ...req.headers, 'content-type': req.contentType, 'user-agent': this.options.userAgent },
        body: req.body,
        signal: req.signal,
        headersTimeout: req.timeoutMs ?? this.options.requestTimeoutMs,
      });
    } catch (err) {
      req.signal?.throwIfAborted();
      throw classifyRequestError(err, where);
    }
    const version = response.headers['koji-version'];
    if (typeof version === 'string') this.hubVersion = version;
    const { statusCode } = response;
    if (GATEWAY_STATUSES.has(statusCode)) {
      await response.body.dump();
      throw new HubConnectionError(`${where} answered HTTP ${statusCode}`, `HTTP_${statusCode}`);
    }
    if (statusCode !== 200) {
      const text = await readSome(response.body, ERROR_SNIPPET_BYTES);
      const body = snippet(scrubSecrets(text, req.secrets ?? []));
      throw new HubHttpError(statusCode, `${where} answered HTTP ${statusCode}${body ? `: ${body}` : ''}`);
    }
    const body = await this.readCapped(response, where, req.signal);
    if (body.length === 0)
      throw new HubProtocolError(`${where} sent an empty reply (HTTP 200 without a body)`);
    return body;
  }

  /** GETs a URL and hands back the streaming body: the caller must consume or dump it. */
  async get(url: string, signal?: AbortSignal): Promise<HubGet> {
    try {
      const response = await request(url, { method: 'GET', dispatcher: this.dispatcher, signal });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (err) {
      signal?.throwIfAborted();
      throw classifyRequestError(err, redactUrl(url));
    }
  }

  /** Closes idle and in-flight connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.dispatcher.close();
  }

  private async readCapped(
    response: Dispatcher.ResponseData,
    where: string,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const cap = this.options.maxResponseBytes;
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > cap) {
      discardBody(response.body);
      throw new HubProtocolError(
        `the reply from ${where} is too large: ${declared} bytes, the cap is ${cap}`,
      );
    }
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > cap) {
          discardBody(response.body);
          throw new HubProtocolError(`the reply from ${where} is too large: over ${cap} bytes (the cap)`);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof HubProtocolError) throw err;
      signal?.throwIfAborted();
      const of = Number.isFinite(declared) ? ` of ${declared}` : '';
      const detail = errorMessage(err);
      throw new HubProtocolError(
        `the reply from ${where} was cut off after ${received}${of} bytes: ${detail}`,
        {
          cause: err,
        },
      );
    }
    return Buffer.concat(chunks, received);
  }
}

async function readSome(body: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) break;
    }
  } catch {
    // The status already tells what went wrong; the body is only a hint.
  } finally {
    discardBody(body);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function readTlsFiles(tls: TlsFiles | undefined): { cert?: Buffer; key?: Buffer; ca?: Buffer } {
  if (!tls) return {};
  const read = (what: string, file: string | undefined): Buffer | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new HubTlsError(`cannot read the TLS ${what} file ${file} (${code})`, { cause: err });
    }
  };
  return {
    cert: read('client certificate', tls.certFile),
    key: read('client key', tls.keyFile),
    ca: read('CA', tls.caFile),
  };
}
