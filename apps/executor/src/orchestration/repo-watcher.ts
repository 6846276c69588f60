import { setTimeout as delay } from 'node:timers/promises';
import { type KojiValue } from '@koji-farm/koji';
import { type LoggerLike } from '@koji-farm/observability';
import { type BuildHub } from '../hub/build-hub';
import { type RepoInfo } from '../hub/parent-schemas';
import { type RepoHub } from '../hub/repo-hub';
import { FAULT, TaskFailureError } from '../tasks/errors/task-failure.error';
import { pyStr } from './task-args';

export interface RepoWatch {
  tag: KojiValue;
  /** Builds (N-V-R) the repo must contain. */
  nvrs?: readonly string[];
  /** The repo must be at least this recent; `last` = the tag's last change. */
  minEvent?: number | 'last' | null;
}

export interface RepoWatcherOptions {
  pollMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  logger: LoggerLike;
}

interface Nvr {
  name: string;
  version: string;
  release: string;
}

/**
 * kojid's `koji.util.RepoWatcher` on the 1.35 repo queue: asks the hub for a repo of the
 * tag (`repo.request`), checks it against the conditions (tag, minimum event, builds
 * present), and — for `waitrepo` — keeps waiting on the hub's request until a repo that
 * satisfies them is READY.
 */
export class RepoWatcher {
  private request?: { id: number; min_event?: number | null };
  private start?: number;

  private constructor(
    private readonly build: BuildHub,
    private readonly repos: RepoHub,
    readonly tag: { id: number; name: string },
    private readonly nvrs: readonly string[],
    private minEvent: number | null,
    private readonly options: RepoWatcherOptions,
  ) {}

  static async create(
    hubs: { build: BuildHub; repos: RepoHub },
    watch: RepoWatch,
    options: RepoWatcherOptions,
  ): Promise<RepoWatcher> {
    const tag = await hubs.build.getTag(watch.tag, { strict: true });
    if (!tag)
      throw new TaskFailureError(FAULT.generic.code, FAULT.generic.name, `No such tag: ${pyStr(watch.tag)}`);
    const minEvent =
      watch.minEvent === 'last' ? await hubs.repos.tagLastChangeEvent(tag.id) : (watch.minEvent ?? null);
    return new RepoWatcher(hubs.build, hubs.repos, tag, watch.nvrs ?? [], minEvent, options);
  }

  /** A repo that satisfies the conditions now, or null (then `taskArgs` tells a waitrepo task what to wait for). */
  async getRepo(): Promise<RepoInfo | null> {
    this.options.logger.info({ tag: this.tag.name }, 'need a repo');
    if (this.nvrs.length > 0 && !(await this.buildsPresent(null))) return null;
    const check = await this.repos.request(this.tag.id, this.minEvent);
    if (check.repo && (await this.satisfies(check.repo))) return check.repo;
    this.request = check.request ?? undefined;
    return null;
  }

  /** `waitrepo`'s arguments for what `getRepo` could not find: `[tag, newer_than, nvrs, min_event]`. */
  taskArgs(): KojiValue[] {
    return [this.tag.name, null, [...this.nvrs], this.minEvent ?? this.request?.min_event ?? null];
  }

  /** Waits until a repo satisfies the conditions; GenericError after the timeout or when the hub drops the request. */
  async waitrepo(): Promise<RepoInfo> {
    this.start ??= Date.now();
    let request: { id: number } | undefined;
    for (;;) {
      if (request) {
        const repo = await this.waitRequest(request.id);
        if (await this.satisfies(repo)) return repo;
        this.minEvent = await this.repos.tagLastChangeEvent(this.tag.id);
        this.options.logger.error({ repoId: repo.id }, 'repo request did not satisfy conditions');
      }
      if (this.nvrs.length > 0) {
        await this.waitBuilds();
        this.minEvent = await this.repos.tagLastChangeEvent(this.tag.id);
      }
      const check = await this.repos.request(this.tag.id, this.minEvent);
      if (check.repo) {
        if (await this.satisfies(check.repo)) return check.repo;
      } else if (check.request) {
        request = check.request;
        this.options.logger.info({ request: request.id }, 'waiting on the hub repo request');
        if (this.minEvent === null && check.request.min_event != null)
          this.minEvent = check.request.min_event;
      }
      await this.pause();
    }
  }

  private async waitRequest(requestId: number): Promise<RepoInfo> {
    for (;;) {
      const check = await this.repos.checkRequest(requestId);
      if (check.repo) return check.repo;
      this.assertTime(`a new ${this.tag.name} repo`);
      if (check.request && !check.request.active)
        throw new TaskFailureError(FAULT.generic.code, FAULT.generic.name, 'Repo request no longer active');
      await this.pause();
    }
  }

  private async waitBuilds(): Promise<void> {
    while (!(await this.buildsPresent(null))) {
      this.assertTime(`${this.nvrs.join(', ')} to appear in the ${this.tag.name} repo`);
      await this.pause();
    }
  }

  private async satisfies(repo: RepoInfo): Promise<boolean> {
    if (repo.tag_id !== this.tag.id) return false;
    if (this.minEvent !== null && (repo.create_event ?? 0) < this.minEvent) return false;
    if (this.nvrs.length > 0 && !(await this.buildsPresent(repo.create_event))) return false;
    return true;
  }

  /** `koji.util.checkForBuilds`: each build is tagged (with inheritance) at `event`. */
  private async buildsPresent(event: number | null): Promise<boolean> {
    for (const nvr of this.nvrs.map(parseNvr)) {
      const tagged = await this.build.listTagged(this.tag.id, nvr.name, event);
      if (!tagged.some((b) => b.version === nvr.version && b.release === nvr.release)) return false;
    }
    return true;
  }

  private assertTime(what: string): void {
    const waited = Date.now() - (this.start ?? Date.now());
    if (waited <= this.options.timeoutMs) return;
    const minutes = Math.floor(waited / 60000);
    const seconds = String(Math.floor((waited % 60000) / 1000)).padStart(2, '0');
    throw new TaskFailureError(
      FAULT.generic.code,
      FAULT.generic.name,
      `Unsuccessfully waited ${minutes}:${seconds} for ${what}`,
    );
  }

  private async pause(): Promise<void> {
    this.start ??= Date.now();
    await delay(this.options.pollMs, undefined, { signal: this.options.signal });
  }
}

/** `koji.parse_NVR` without the epoch: name-version-release split at the last two dashes. */
export function parseNvr(nvr: string): Nvr {
  const bare = nvr.includes(':') ? nvr.slice(nvr.indexOf(':') + 1) : nvr;
  const r = bare.lastIndexOf('-');
  const v = bare.lastIndexOf('-', r - 1);
  if (r <= 0 || v <= 0)
    throw new TaskFailureError(FAULT.generic.code, FAULT.generic.name, `invalid format: ${nvr}`);
  return { name: bare.slice(0, v), version: bare.slice(v + 1, r), release: bare.slice(r + 1) };
}
