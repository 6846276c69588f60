import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PackageFiles {
  /** File name → content, committed at the top of the repository. */
  [file: string]: string;
}

/**
 * Git repositories served by `git daemon` on 127.0.0.1 (the git:// protocol, read-only),
 * for builds from an SCM URL. `commit` adds a commit and returns its hash.
 */
export class GitServer {
  private constructor(
    private readonly base: string,
    readonly port: number,
    private readonly daemon: ChildProcess,
  ) {}

  static async start(base: string): Promise<GitServer> {
    mkdirSync(base, { recursive: true });
    const port = await freePort();
    const daemon = spawn(
      'git',
      [
        'daemon',
        '--reuseaddr',
        '--export-all',
        `--base-path=${base}`,
        '--listen=127.0.0.1',
        `--port=${port}`,
        base,
      ],
      { stdio: 'ignore' },
    );
    const server = new GitServer(base, port, daemon);
    await server.waitUntilListening();
    return server;
  }

  /** `git://127.0.0.1:PORT/<name>.git` */
  url(name: string): string {
    return `git://127.0.0.1:${this.port}/${name}.git`;
  }

  /** Commits `files` to repository `name` (made on first use); returns the commit hash. */
  async commit(name: string, files: PackageFiles, message = 'update'): Promise<string> {
    const work = join(this.base, `${name}-work`);
    const git = (...args: string[]) =>
      run('git', args, {
        cwd: work,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: work,
          GIT_AUTHOR_NAME: 'koji-farm test',
          GIT_AUTHOR_EMAIL: 'test@koji-farm.invalid',
          GIT_COMMITTER_NAME: 'koji-farm test',
          GIT_COMMITTER_EMAIL: 'test@koji-farm.invalid',
        },
      });
    mkdirSync(work, { recursive: true });
    await git('init', '-q', '-b', 'main');
    for (const [file, content] of Object.entries(files)) writeFileSync(join(work, file), content);
    await git('add', '-A');
    await git('commit', '-q', '-m', message);
    const bare = join(this.base, `${name}.git`);
    await run('git', ['clone', '-q', '--bare', work, bare]).catch(async () => {
      await run('git', ['--git-dir', bare, 'fetch', '-q', work, '+main:main']);
    });
    return (await git('rev-parse', 'HEAD')).stdout.trim();
  }

  stop(): void {
    this.daemon.kill('SIGTERM');
  }

  private async waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await run('git', ['ls-remote', `git://127.0.0.1:${this.port}/none.git`]).catch(
          (err: { stderr?: string }) => {
            // "repository not exported" means the daemon answers
            if (
              !String(err.stderr ?? '').includes('not exported') &&
              !String(err.stderr ?? '').includes('does not appear')
            )
              throw err;
          },
        );
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A package a build from git makes: a spec with a Source0 that `make sources` creates. */
export function scmPackage(name: string, release: string): PackageFiles {
  return {
    [`${name}.spec`]: [
      `Name: ${name}`,
      'Version: 1.0',
      `Release: ${release}%{?dist}`,
      'Summary: koji-farm build from git',
      'License: MIT',
      'Source0: greeting.txt',
      'BuildArch: noarch',
      '%description',
      'Built from a git checkout.',
      '%prep',
      '%build',
      '%install',
      `mkdir -p %{buildroot}/usr/share/${name}`,
      `install -m 644 %{SOURCE0} %{buildroot}/usr/share/${name}/greeting.txt`,
      '%files',
      `/usr/share/${name}/greeting.txt`,
      '',
    ].join('\n'),
    Makefile: 'sources:\n\techo "hello from make sources" > greeting.txt\n',
  };
}
