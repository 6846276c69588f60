import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import { USERTYPE, type TaskRow } from '../db/rows';
import { GenericError } from '../errors/koji-errors';
import type { HubOptions } from '../hub-options';
import type { HubServices } from '../hub-services';
import { makeTask } from '../tasks/make-task';
import { createRepoOnHost, importBuildFiles } from './content-admin';

export interface AddHostInput {
  name: string;
  password?: string;
  arches: string | string[];
  capacity?: number;
  channels?: string[];
  enabled?: boolean;
}

export interface MakeTaskInput {
  method: string;
  args?: KojiValue[];
  kwargs?: KojiStruct;
  arch?: string;
  channel?: string;
  priority?: number;
  owner?: string;
  parent?: number;
  label?: string;
  assign?: string | number;
}

/**
 * Setup and inspection that the real hub does through koji-admin commands or SQL.
 * Kept apart from the XML-RPC API: tests use it to prepare a hub, never to play the
 * client. Every method takes one object so the HTTP form is `POST /sim/admin/<name>`
 * with that object as JSON.
 */
export class HubAdmin {
  constructor(
    private readonly s: HubServices,
    private readonly setOptions: (patch: Partial<HubOptions>) => void,
  ) {}

  addUser(input: { name: string; password?: string; perms?: string[] }): { id: number; name: string } {
    const { db } = this.s;
    if (db.users.find((u) => u.name === input.name))
      throw new GenericError(`user already exists: ${input.name}`);
    const id = db.users.insert({
      id: db.users.nextval(),
      name: input.name,
      password: input.password ?? null,
      status: 0,
      usertype: USERTYPE.NORMAL,
      perms: input.perms ?? [],
      krb_principals: [],
    }).id;
    return { id, name: input.name };
  }

  grantPermission(input: { user: string; perm: string }): void {
    const user = this.user(input.user);
    if (!user.perms.includes(input.perm))
      this.s.db.users.update(user.id, { perms: [...user.perms, input.perm] });
  }

  addChannel(input: { name: string; enabled?: boolean }): number {
    const { db } = this.s;
    const found = db.channels.find((c) => c.name === input.name);
    if (found) return found.id;
    return db.channels.insert({
      id: db.channels.nextval(),
      name: input.name,
      description: null,
      enabled: input.enabled ?? true,
      comment: null,
    }).id;
  }

  /** A host and its user (usertype HOST; with a password it can log in with `login`). */
  addHost(input: AddHostInput): { id: number; userId: number; name: string } {
    const { db } = this.s;
    if (db.users.find((u) => u.name === input.name))
      throw new GenericError(`user already exists: ${input.name}`);
    const userId = db.users.insert({
      id: db.users.nextval(),
      name: input.name,
      password: input.password ?? null,
      status: 0,
      usertype: USERTYPE.HOST,
      perms: [],
      krb_principals: [],
    }).id;
    const channels = (input.channels ?? ['default']).map((name) => this.addChannel({ name }));
    const arches = Array.isArray(input.arches) ? input.arches.join(' ') : input.arches;
    const id = db.hosts.insert({
      id: db.hosts.nextval(),
      user_id: userId,
      name: input.name,
      update_time: null,
      task_load: 0,
      ready: false,
      arches,
      capacity: input.capacity ?? 2.0,
      description: null,
      comment: null,
      enabled: input.enabled ?? true,
      channels,
      data: null,
    }).id;
    return { id, userId, name: input.name };
  }

  editHost(input: {
    name: string;
    enabled?: boolean;
    capacity?: number;
    arches?: string;
    channels?: string[];
  }): void {
    const host = this.s.db.hosts.find((h) => h.name === input.name);
    if (!host) throw new GenericError(`No such host: ${input.name}`);
    this.s.db.hosts.update(host.id, {
      ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
      ...(input.capacity === undefined ? {} : { capacity: input.capacity }),
      ...(input.arches === undefined ? {} : { arches: input.arches }),
      ...(input.channels === undefined
        ? {}
        : { channels: input.channels.map((name) => this.addChannel({ name })) }),
    });
  }

  /** A tag; `parents` are inherited from in the order given. */
  addTag(input: {
    name: string;
    arches?: string | null;
    extra?: KojiStruct;
    parents?: string[];
    locked?: boolean;
  }): number {
    const { db } = this.s;
    if (db.tags.find((t) => t.name === input.name))
      throw new GenericError(`A tag with the name ${input.name} already exists`);
    const inheritance = (input.parents ?? []).map((p, i) => ({
      parent_id: this.tag(p).id,
      priority: i * 10,
      maxdepth: null,
      intransitive: false,
      noconfig: false,
      pkg_filter: '',
    }));
    return db.tags.insert({
      id: db.tags.nextval(),
      name: input.name,
      create_event: db.event(),
      arches: input.arches ?? null,
      locked: input.locked ?? false,
      perm_id: null,
      maven_support: false,
      maven_include_all: false,
      extra: input.extra ?? {},
      inheritance,
      packages: {},
      groups: {},
    }).id;
  }

  addTarget(input: { name: string; buildTag: string; destTag: string }): number {
    const { db } = this.s;
    return db.targets.insert({
      id: db.targets.nextval(),
      name: input.name,
      build_tag: this.tag(input.buildTag).id,
      dest_tag: this.tag(input.destTag).id,
    }).id;
  }

  /** Adds packages to a build group of a tag (written to the repo's groups/comps.xml). */
  addGroupPackages(input: { tag: string; group: string; packages: string[] }): void {
    const tag = this.tag(input.tag);
    const current = tag.groups[input.group] ?? [];
    this.s.db.tags.update(tag.id, {
      groups: { ...tag.groups, [input.group]: [...new Set([...current, ...input.packages])] },
    });
  }

  /** Adds a package to a tag's package list (needed before tagging a build of it). */
  addPackage(input: { tag: string; package: string; blocked?: boolean }): void {
    const tag = this.tag(input.tag);
    const pkgId = this.s.builds.packageId(input.package);
    this.s.db.tags.update(tag.id, { packages: { ...tag.packages, [pkgId]: input.blocked ?? false } });
  }

  /** Imports an already built SRPM and its RPMs as a COMPLETE build, tagged into `tag` when given. */
  importBuild(input: { paths: string[]; tag?: string; owner?: string }): number {
    const owner = input.owner ? this.user(input.owner).id : this.ownerFallback();
    const { buildId, name } = importBuildFiles(this.s, input.paths, owner);
    if (input.tag) {
      this.addPackage({ tag: input.tag, package: name });
      this.s.db.run(() => this.s.builds.tagBuild(input.tag!, buildId, owner));
    }
    return buildId;
  }

  makeTask(input: MakeTaskInput): number {
    const { db } = this.s;
    const owner = input.owner ? this.user(input.owner).id : undefined;
    const args: KojiValue[] = [...(input.args ?? [])];
    if (input.kwargs && Object.keys(input.kwargs).length > 0)
      args.push({ ...input.kwargs, __starstar: true });
    return db.run(() =>
      makeTask(
        db,
        null,
        input.method,
        args,
        {
          ...(input.arch === undefined ? {} : { arch: input.arch }),
          ...(input.channel === undefined ? {} : { channel: input.channel }),
          ...(input.priority === undefined ? {} : { priority: input.priority }),
          ...(input.parent === undefined ? {} : { parent: input.parent }),
          ...(input.label === undefined ? {} : { label: input.label }),
          ...(input.assign === undefined ? {} : { assign: input.assign }),
          owner: owner ?? (input.parent === undefined ? this.ownerFallback() : undefined),
        },
        this.s.onTaskCreated,
      ),
    );
  }

  /** A READY repo for `tag` made with createrepo_c on this machine (see content-admin.ts). */
  createRepo(input: { tag: string }): Promise<{ repoId: number; eventId: number }> {
    return createRepoOnHost(this.s, input.tag);
  }

  setPolicy(input: { name: string; rules: string }): void {
    this.s.policy.set(input.name, input.rules);
  }

  setHubOptions(input: Partial<HubOptions>): void {
    this.setOptions(input);
  }

  /** Marks a session and its subsessions expired, as the hub does when SessionRenewalTimeout passes. */
  expireSession(input: { sessionId: number }): void {
    const { db } = this.s;
    for (const s of db.sessions.filter((x) => x.id === input.sessionId || x.master === input.sessionId))
      db.sessions.update(s.id, { expired: true });
  }

  /**
   * `scheduler.doRun(force)`: forced by default (a forced run leaves the last-run time
   * alone, as on the hub); `force: false` runs only when RunInterval has passed and
   * then counts as the last run, as a host's check-in would.
   */
  runScheduler(input: { force?: boolean } = {}): boolean {
    return this.s.db.run(() => this.s.scheduler.run(input.force ?? true));
  }

  task(input: { id: number }): Readonly<TaskRow> | undefined {
    return this.s.db.tasks.get(input.id);
  }

  sessionsOf(input: { user: string }): Array<{
    id: number;
    master: number | null;
    exclusive: boolean;
    expired: boolean;
    closed: boolean;
    callnum: number | null;
  }> {
    const user = this.user(input.user);
    return this.s.db.sessions
      .filter((x) => x.user_id === user.id)
      .map((x) => ({
        id: x.id,
        master: x.master,
        exclusive: x.exclusive === true,
        expired: x.expired,
        closed: x.closed,
        callnum: x.callnum,
      }));
  }

  private ownerFallback(): number {
    const admin = this.s.db.users.find((u) => u.perms.includes('admin'));
    return admin ? admin.id : this.addUser({ name: 'kojiadmin', perms: ['admin'] }).id;
  }

  private user(name: string) {
    const user = this.s.db.users.find((u) => u.name === name);
    if (!user) throw new GenericError(`No such user: ${name}`);
    return user;
  }

  private tag(name: string) {
    const tag = this.s.db.tags.find((t) => t.name === name);
    if (!tag) throw new GenericError(`No such tag: ${name}`);
    return tag;
  }
}
