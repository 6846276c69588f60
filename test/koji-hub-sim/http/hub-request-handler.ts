import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeFault, encodeResponse } from '@koji-farm/koji/xmlrpc';
import type { Logger } from 'pino';
import type { HubDb } from '../db/hub-db';
import { faultOf } from '../errors/fault-of';
import type { FaultAction, FaultInjector } from '../faults/fault-injector';
import type { HubOptions } from '../hub-options';
import type { Dispatcher } from '../rpc/dispatcher';
import type { UploadService } from '../uploads/upload-service';
import { environOf } from './environ';
import { serveFile } from './file-route';
import { readBody } from './read-body';
import { readCall, type ReadCall } from './read-call';

export interface HubRequestHandlerDeps {
  db: HubDb;
  dispatcher: Dispatcher;
  uploads: UploadService;
  faults: FaultInjector;
  opts: () => HubOptions;
  topdir: string;
  trustAuthHeaders: boolean;
  logger: Logger;
  /** `/sim/admin/<op>` requests. */
  admin: (op: string, body: Buffer) => Promise<unknown>;
}

const HUB_PATHS = new Set(['/kojihub', '/kojihub/', '/kojihub/ssllogin']);
const FILES_PREFIX = '/kojifiles/';

/** Routes one HTTP request: the hub (XML-RPC and uploads), the files at topurl, the admin API. */
export class HubRequestHandler {
  constructor(private readonly d: HubRequestHandlerDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (HUB_PATHS.has(url.pathname)) return this.hub(req, res, url);
    if (url.pathname === '/kojifiles' || url.pathname.startsWith(FILES_PREFIX)) {
      return serveFile(req, res, this.d.topdir, url.pathname.slice(FILES_PREFIX.length));
    }
    if (url.pathname.startsWith('/sim/admin/'))
      return this.admin(req, res, url.pathname.slice('/sim/admin/'.length));
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
  }

  private async hub(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const kojiVersion = { 'Koji-Version': this.d.opts().kojiVersion };
    if (req.method !== 'POST') {
      req.resume();
      const text = 'Method Not Allowed\nThis is an XML-RPC server. Only POST requests are accepted.\n';
      res
        .writeHead(405, {
          ...kojiVersion,
          Allow: 'POST',
          'Content-Type': 'text/plain',
          'Content-Length': Buffer.byteLength(text),
        })
        .end(text);
      return;
    }
    const environ = environOf(req, url.search.replace(/^\?/, ''), this.d.trustAuthHeaders);
    if (req.headers['content-type'] === 'application/octet-stream') {
      if (!(await this.applyFaults(this.d.faults.take('upload'), req, res))) return;
      const xml = await this.upload(req, environ);
      return this.reply(res, xml, kojiVersion);
    }
    let call: ReadCall;
    try {
      call = readCall(await readBody(req, this.d.opts().maxRequestLength));
    } catch (error) {
      // _read_request runs inside the hub's handler: what it raises is the call's fault
      const f = faultOf(error);
      return this.reply(res, encodeFault(f.faultCode, f.faultString), kojiVersion);
    }
    const actions = this.d.faults.take(call.method);
    if (!(await this.applyFaults(actions, req, res))) return;
    const xml = this.d.dispatcher.handle(environ, call.method, call.params, call.kwargs);
    if (actions.some((a) => a.kind === 'reset' && a.afterCommit)) {
      req.socket.destroy();
      return;
    }
    this.reply(res, xml, kojiVersion);
  }

  /** Applies status/delay/reset-before actions; false when the request got no hub reply. */
  private async applyFaults(
    actions: FaultAction[],
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<boolean> {
    for (const a of actions) {
      if (a.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, a.ms));
    }
    for (const a of actions) {
      if (a.kind === 'reset' && !a.afterCommit) {
        req.socket.destroy();
        return false;
      }
      if (a.kind === 'status') {
        req.resume();
        const text = `${a.status} injected by koji-hub-sim\n`;
        res
          .writeHead(a.status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) })
          .end(text);
        return false;
      }
    }
    return true;
  }

  private async upload(req: IncomingMessage, environ: ReturnType<typeof environOf>): Promise<string> {
    const tx = this.d.db.begin();
    let prepared;
    try {
      const call = this.d.dispatcher.session(environ);
      prepared = this.d.uploads.prepare(call, environ.query);
    } catch (error) {
      req.resume();
      const f = faultOf(error);
      return encodeFault(f.faultCode, f.faultString);
    } finally {
      this.d.db.end(tx, false);
    }
    try {
      return encodeResponse(await this.d.uploads.write(prepared, req));
    } catch (error) {
      req.resume();
      const f = faultOf(error);
      return encodeFault(f.faultCode, f.faultString);
    }
  }

  private reply(res: ServerResponse, xml: string, headers: Record<string, string>): void {
    const body = Buffer.from(xml, 'utf8');
    res.writeHead(200, { ...headers, 'Content-Type': 'text/xml', 'Content-Length': body.length }).end(body);
  }

  private async admin(req: IncomingMessage, res: ServerResponse, op: string): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      res
        .writeHead(405, { Allow: 'POST', 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: 'MethodNotAllowed', message: 'POST a JSON body' }));
      return;
    }
    try {
      const result = await this.d.admin(op, await readBody(req, 64 * 1024 * 1024));
      const body = JSON.stringify({ result: result ?? null });
      res
        .writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
        .end(body);
    } catch (error) {
      const body = JSON.stringify({
        error: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
      });
      res
        .writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
        .end(body);
    }
  }
}
