import { randomBytes } from 'node:crypto';
import type { KojiClient, KojiValue } from '@koji-farm/koji';

/** One id per test process: names made in this run never meet those of an earlier one. */
const RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
let counter = 0;

/**
 * This run's own channel, with only the test host in it: the harness's tasks go there
 * unless a test names another channel, so no other host of a real hub takes them.
 */
export const RUN_CHANNEL = `kf-ct-${RUN_ID}-channel`;

/** A run's channel (`kf-ct-<run>-channel`) or one a test made (`kf-ct-<run>-<n>-channel`). */
const TEST_RUN_CHANNEL = /^kf-ct-[0-9a-z]+-(?:\d+-)?channel$/;

/** `kf-ct-<run>-<n>-<what>`: unique on a hub that keeps everything earlier runs made. */
export function uniqueName(what: string): string {
  counter += 1;
  return `kf-ct-${RUN_ID}-${counter}-${what}`;
}

export interface TagSpec {
  /** Inherit from this tag (its arches, extra, groups and packages). */
  parent?: string;
  /** Default 'x86_64'; null leaves the tag's own arches empty. */
  arches?: string | null;
  extra?: Record<string, KojiValue>;
}

export interface BuildSetup {
  buildTag: string;
  destTag: string;
  target: string;
}

/** The test host's capacity: the scheduler's maxjobs tests give it five tasks at once. */
const HOST_CAPACITY = 10;
/** Task states that are not final: what a test's teardown cancels. */
const ACTIVE_TASK_STATES = [0, 1, 4];

/**
 * The part of the hub a test makes for itself, through the admin user's XML-RPC
 * calls as `koji add-tag`/`add-target`/`add-pkg`/`add-host-to-channel` would: tags,
 * targets, package-list entries and channels with unique names. They stay on the hub
 * afterwards, harmless (nothing builds into them); the tasks a test made are canceled
 * when it ends, so no other host picks them up later.
 */
export class HubWorld {
  constructor(
    private readonly admin: () => Promise<KojiClient>,
    private readonly adminUser: string,
    private readonly hostUser: string,
  ) {}

  /** A new tag; returns its name. */
  async makeTag(spec: TagSpec = {}): Promise<string> {
    const name = uniqueName('tag');
    const kwargs: Record<string, KojiValue> = { arches: spec.arches === undefined ? 'x86_64' : spec.arches };
    if (spec.parent !== undefined) kwargs.parent = spec.parent;
    if (spec.extra !== undefined) kwargs.extra = spec.extra;
    await (await this.admin()).call('createTag', [name], kwargs);
    return name;
  }

  async makeTarget(buildTag: string, destTag: string): Promise<string> {
    const name = uniqueName('target');
    await (await this.admin()).call('createBuildTarget', [name, buildTag, destTag]);
    return name;
  }

  /** Puts `pkg` on `tag`'s package list (needed before a build of it is tagged there). */
  async addPackage(tag: string, pkg: string): Promise<void> {
    await (await this.admin()).call('packageListAdd', [tag, pkg], { owner: this.adminUser });
  }

  /**
   * A build target of its own: a build tag inheriting `parent` (the configured build
   * tag with its groups and repos; its arches are copied, as a tag made without arches
   * inherits none) and an empty destination tag with `packages` on its list.
   */
  async makeBuildSetup(parent: string, packages: string[] = []): Promise<BuildSetup> {
    const config = await (await this.admin()).call<{ arches: string | null }>('getBuildConfig', [parent]);
    const destTag = await this.makeTag({ arches: null });
    const buildTag = await this.makeTag({ parent, arches: config.arches });
    for (const pkg of packages) await this.addPackage(destTag, pkg);
    return { buildTag, destTag, target: await this.makeTarget(buildTag, destTag) };
  }

  /** A new channel with only the test host in it; returns its name. */
  async makeChannel(): Promise<string> {
    const name = uniqueName('channel');
    await (await this.admin()).call('addHostToChannel', [this.hostUser, name], { create: true });
    return name;
  }

  /**
   * Gets the test host ready for the tests: in each of `channels` (made if need be),
   * out of the channels of earlier runs (a run that was killed left its unfinished tasks
   * there, and a farm under test would take them), and with room for ten tasks of
   * weight 1 (a host made by `koji add-host` has capacity 2).
   */
  async prepareHost(channels: readonly string[]): Promise<void> {
    const admin = await this.admin();
    const host = await admin.call<{ id: number; capacity: number } | null>('getHost', [this.hostUser]);
    if (!host) throw new Error(`the hub has no host ${this.hostUser}`);
    if (host.capacity < HOST_CAPACITY)
      await admin.call('editHost', [this.hostUser], { capacity: HOST_CAPACITY });
    const current = await admin.call<Array<{ name: string }>>('listChannels', [], { hostID: host.id });
    for (const { name } of current) {
      if (TEST_RUN_CHANNEL.test(name) && !channels.includes(name))
        await admin.call('removeHostFromChannel', [this.hostUser, name]);
    }
    for (const channel of channels) {
      if (!current.some((c) => c.name === channel))
        await admin.call('addHostToChannel', [this.hostUser, channel], { create: true });
    }
  }

  /** The newest task id on the hub (0 when it has none): tasks up to it are not this test's. */
  async lastTaskId(): Promise<number> {
    const newest = await (
      await this.admin()
    ).call<Array<{ id: number }>>('listTasks', [{}, { order: '-id', limit: 1 }]);
    return newest[0]?.id ?? 0;
  }

  /** Cancels the unfinished tasks made after `baseline` by the admin or the host user. */
  async cancelTasksAfter(baseline: number): Promise<void> {
    const admin = await this.admin();
    const active = await admin.call<Array<{ id: number; owner_name: string }>>('listTasks', [
      { state: ACTIVE_TASK_STATES },
      { order: 'id' },
    ]);
    const owners = new Set([this.adminUser, this.hostUser]);
    for (const task of active) {
      // cancelTask is idempotent: a child already canceled with its parent is fine
      if (task.id > baseline && owners.has(task.owner_name)) await admin.call('cancelTask', [task.id]);
    }
  }
}
