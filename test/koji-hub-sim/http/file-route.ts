import { createReadStream, readdirSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, normalize } from 'node:path';

/**
 * Serves the KojiDir at `topurl` read-only, as the hub's web server serves
 * /mnt/koji: files (GET/HEAD, with single byte ranges) and plain directory indexes.
 */
export function serveFile(req: IncomingMessage, res: ServerResponse, topdir: string, relpath: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const rel = normalize(decodeURIComponent(relpath)).replace(/^(\.\.(\/|$))+/, '');
  const path = join(topdir, rel);
  let st;
  try {
    const real = realpathSync(path);
    if (!real.startsWith(realpathSync(topdir))) throw new Error('outside');
    st = statSync(real);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    return;
  }
  if (st.isDirectory()) {
    const names = readdirSync(path, { withFileTypes: true }).map((d) =>
      d.isDirectory() ? `${d.name}/` : d.name,
    );
    const body = `<html><body><pre>\n${names.map((n) => `<a href="${encodeURI(n)}">${n}</a>`).join('\n')}\n</pre></body></html>\n`;
    res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = st.size - 1;
  let status = 200;
  if (range && (range[1] || range[2])) {
    start = range[1] ? Number(range[1]) : Math.max(0, st.size - Number(range[2]));
    end = range[1] && range[2] ? Math.min(Number(range[2]), st.size - 1) : st.size - 1;
    if (start > end || start >= st.size) {
      res.writeHead(416, { 'Content-Range': `bytes */${st.size}` }).end();
      return;
    }
    status = 206;
  }
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Content-Length': st.size === 0 ? 0 : end - start + 1,
    'Last-Modified': st.mtime.toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || st.size === 0) {
    res.end();
    return;
  }
  createReadStream(path, { start, end }).pipe(res);
}
