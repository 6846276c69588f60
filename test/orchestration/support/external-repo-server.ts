import { execFile } from 'node:child_process';
import { copyFileSync, createReadStream, mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { basename, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A yum repository outside Koji, as a tag's external repo: RPMs made by the test, their
 * metadata by `createrepo_c`, served over HTTP on 127.0.0.1 (where the farm's createrepo
 * containers, on the host network, reach it). The hub only keeps its URL, so this works
 * against a real hub as well as the simulator.
 */
export class ExternalRepoServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Copies `rpms` into `<dir>/<arch>/`, runs createrepo_c there and serves `dir`. */
  static async start(dir: string, arch: string, rpms: string[]): Promise<ExternalRepoServer> {
    const repo = join(dir, arch);
    mkdirSync(repo, { recursive: true });
    for (const rpm of rpms) copyFileSync(rpm, join(repo, basename(rpm)));
    await run('createrepo_c', ['--quiet', repo]);
    const root = normalize(dir) + sep;
    const server = createServer((req, res) => {
      const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
      const file = path.startsWith(root) ? statSync(path, { throwIfNoEntry: false }) : undefined;
      if (req.method !== 'GET' || !file?.isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Length': file.size });
      createReadStream(path).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ExternalRepoServer(server, (server.address() as AddressInfo).port);
  }

  /** The URL as Koji's external repos take it: `$arch` stands for the repo's arch. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/$arch/`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
