import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on now: `preferred` when it is free,
 * else one the kernel picks. (Another process could take it before ours binds; the
 * app then fails at boot, naming the port.)
 */
export async function freePort(preferred = 0): Promise<number> {
  if (preferred !== 0) {
    const port = await tryListen(preferred);
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(chosen));
    });
  });
}
