import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { FastUploader, KojiClient, KojiFault, type KojiValue } from '@koji-farm/koji';

/** Koji's task states by number (koji-host-protocol.md §3). */
export const TASK_STATE_NAMES = ['FREE', 'OPEN', 'CLOSED', 'CANCELED', 'ASSIGNED', 'FAILED'] as const;
export type TaskStateName = (typeof TASK_STATE_NAMES)[number];
export const FINISHED_STATES: readonly TaskStateName[] = ['CLOSED', 'CANCELED', 'FAILED'];

const BUILD_COMPLETE = 1;
const REPO_READY = 1;

export interface TaskInfo {
  id: number;
  method: string;
  arch: string;
  state: number;
  parent: number | null;
  host_id: number | null;
  request?: unknown[];
}

export interface TaggedBuild {
  build_id: number;
  nvr: string;
  name: string;
  state: number;
  task_id: number | null;
  tag_name: string;
}

export interface BuildRpm {
  name: string;
  version: string;
  release: string;
  arch: string;
}

/**
 * The user's side of a Koji hub, as the `koji` command line uses it: submit tasks (as an
 * admin or a user with the permissions), upload an SRPM, read tasks, builds, tags and
 * repos. Works against the bundled simulator and a real hub alike.
 */
export class HubUser {
  private constructor(
    readonly client: KojiClient,
    readonly hubUrl: string,
    readonly topurl: string,
  ) {}

  /** Anonymous unless `login` is given (then a password login). */
  static async connect(
    hub: { url: string; topurl: string },
    login?: { user: string; password: string },
  ): Promise<HubUser> {
    const client = KojiClient.create({
      hubUrl: hub.url,
      topUrl: hub.topurl,
      retry: { maxRetries: 3, intervalMs: 1000 },
    });
    try {
      if (login) await client.login(login.user, login.password);
    } catch (err) {
      await client.close();
      throw err;
    }
    return new HubUser(client, hub.url, hub.topurl);
  }

  /** `makeTask(method, arglist, arch=...)`: any method, for admins (as on a real hub). */
  makeTask(
    method: string,
    args: KojiValue[],
    options: { arch?: string; channel?: string } = {},
  ): Promise<number> {
    const kwargs: Record<string, KojiValue> = {};
    if (options.arch) kwargs.arch = options.arch;
    if (options.channel) kwargs.channel = options.channel;
    return this.client.call<number>('makeTask', [method, args], kwargs);
  }

  /** `build(src, target, opts)`: `src` is a work/-relative SRPM path or an SCM URL. */
  build(src: string, target: string, opts: Record<string, KojiValue> = {}): Promise<number> {
    return this.client.call<number>('build', [src, target, opts]);
  }

  /** `newRepo(tag)`, what `koji regen-repo` calls. */
  newRepo(tag: string): Promise<number> {
    return this.client.call<number>('newRepo', [tag]);
  }

  /**
   * Uploads a local SRPM to `work/cli-build/<unique>/` as `koji build` does, and returns
   * the work/-relative path to hand to `build`.
   */
  async uploadSrpm(localPath: string): Promise<string> {
    const dir = `cli-build/${Date.now() / 1000}.${randomBytes(4).toString('hex')}`;
    const name = basename(localPath);
    await new FastUploader(this.client).upload(localPath, { path: dir, name });
    return `${dir}/${name}`;
  }

  taskInfo(taskId: number): Promise<TaskInfo | null> {
    return this.client.call<TaskInfo | null>('getTaskInfo', [taskId], { request: true });
  }

  async taskState(taskId: number): Promise<TaskStateName> {
    const info = await this.taskInfo(taskId);
    if (!info) throw new Error(`the hub has no task ${taskId}`);
    return TASK_STATE_NAMES[info.state] ?? 'FREE';
  }

  /** A finished task's result; a failed task's fault is thrown as its Koji error class. */
  taskResult<T = KojiValue>(taskId: number): Promise<T> {
    return this.client.call<T>('getTaskResult', [taskId]);
  }

  /** `<FaultClass>: <message>` of a failed task, as `koji watch-task` prints it. */
  async taskFailure(taskId: number): Promise<string> {
    try {
      await this.taskResult(taskId);
      return '';
    } catch (err) {
      if (err instanceof KojiFault) return `${err.name}: ${err.faultString.trim()}`;
      throw err;
    }
  }

  /** The build of `taskId` tagged into `tag`, if there is one. */
  async taggedBuildOf(tag: string, pkg: string, taskId: number): Promise<TaggedBuild | undefined> {
    const builds = await this.client.call<TaggedBuild[]>('listTagged', [tag], { package: pkg });
    return builds.find((b) => b.task_id === taskId);
  }

  isComplete(build: TaggedBuild): boolean {
    return build.state === BUILD_COMPLETE;
  }

  /** The RPMs of a build with their path under packages/ (koji's PathInfo layout). */
  async buildRpmPaths(build: TaggedBuild): Promise<string[]> {
    const rpms = await this.client.call<BuildRpm[]>('listRPMs', [], { buildID: build.build_id });
    const info = await this.client.call<{ name: string; version: string; release: string }>('getBuild', [
      build.build_id,
    ]);
    return rpms.map(
      (r) =>
        `packages/${info.name}/${info.version}/${info.release}/${r.arch}/${r.name}-${r.version}-${r.release}.${r.arch}.rpm`,
    );
  }

  async repoIsReady(repoId: number): Promise<boolean> {
    const repo = await this.client.call<{ state: number } | null>('repoInfo', [repoId]);
    return repo?.state === REPO_READY;
  }

  /** True when `<topurl>/<path>` answers 200 (the hub serves the file). */
  async served(path: string): Promise<boolean> {
    const response = await fetch(`${this.topurl}/${path}`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(10_000),
    });
    return response.ok;
  }

  async close(): Promise<void> {
    try {
      if (this.client.sessionId !== undefined) await this.client.logout();
    } finally {
      await this.client.close();
    }
  }
}
