import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/**
 * Git's smart HTTP protocol on 127.0.0.1 (`git http-backend` as a CGI) for the
 * repositories under `base`, behind HTTP Basic authentication with one user and
 * password: for builds from a `git+http://user:password@...` URL. `authorized` counts the
 * requests that carried the right credentials.
 */
export class GitHttpServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly counts: { authorized: number },
  ) {}

  get authorized(): number {
    return this.counts.authorized;
  }

  static async start(base: string, credentials: { user: string; password: string }): Promise<GitHttpServer> {
    const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    const counts = { authorized: 0 };
    const server = createServer((req, res) => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
        return;
      }
      counts.authorized++;
      serveCgi(base, credentials.user, req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new GitHttpServer(server, (server.address() as AddressInfo).port, counts);
  }

  /** `git+http://USER:PASSWORD@127.0.0.1:PORT/<name>.git` */
  url(name: string, credentials: { user: string; password: string }): string {
    return `git+http://${credentials.user}:${credentials.password}@127.0.0.1:${this.port}/${name}.git`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** One request through `git http-backend`: CGI variables in, CGI headers and body out. */
function serveCgi(base: string, user: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const cgi = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: base,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_USER: user,
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', () => {
    if (!headersDone) res.writeHead(502);
    res.end();
  });
  cgi.on('error', () => res.destroy());
}
