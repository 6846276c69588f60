import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import { GenericError } from '../errors/koji-errors';
import type { HubServices } from '../hub-services';
import { convertValue, isInstance, pyTruthy } from '../python/py-convert';
import { pyStr } from '../python/py-format';
import type { MethodRegistry } from '../rpc/method-registry';

/**
 * The admin calls a test harness needs to set up its own world on a real hub (koji's
 * `add-tag`, `add-target`, `add-pkg`, `add-host-to-channel`, `remove-host-from-channel`,
 * `scheduler.doRun`), with the hub's permission checks and texts. The sim's admin API (`sim.admin`) stays for
 * what a real hub cannot do over XML-RPC (users with passwords, hosts, imports).
 */
export function registerAdminExports(r: MethodRegistry, s: HubServices): void {
  const { db } = s;
  r.add(
    'createTag',
    'create_tag(name, parent=None, arches=None, perm=None, locked=False, maven_support=False, maven_include_all=False, extra=None)',
    (c, { a }) => {
      c.session.assertPerm('tag');
      const name = internalName(a.name);
      if (db.tags.find((t) => t.name === name))
        throw new GenericError(`A tag with the name '${name}' already exists`);
      let parentId: number | null = null;
      if (pyTruthy(a.parent)) {
        const parent = s.tags.findTag(a.parent);
        if (!parent) throw new GenericError(`Parent tag '${pyStr(a.parent)}' could not be found`);
        parentId = parent.id;
      }
      const extra = a.extra === null ? {} : (convertValue(a.extra, 'dict') as KojiStruct);
      return db.tags.insert({
        id: db.tags.nextval(),
        name,
        create_event: db.event(),
        arches: parseArches(a.arches),
        locked: pyTruthy(a.locked),
        perm_id: null,
        maven_support: false,
        maven_include_all: false,
        extra: { ...extra },
        inheritance:
          parentId === null
            ? []
            : [
                {
                  parent_id: parentId,
                  priority: 0,
                  maxdepth: null,
                  intransitive: false,
                  noconfig: false,
                  pkg_filter: '',
                },
              ],
        packages: {},
        groups: {},
      }).id;
    },
  );
  r.add('createBuildTarget', 'create_build_target(name, build_tag, dest_tag)', (c, { a }) => {
    c.session.assertPerm('target');
    const name = internalName(a.name);
    if (db.targets.find((t) => t.name === name))
      throw new GenericError(`A build target with the name '${name}' already exists`);
    const buildTag = s.tags.findTag(a.build_tag);
    if (!buildTag) throw new GenericError(`build tag '${pyStr(a.build_tag)}' does not exist`);
    const destTag = s.tags.findTag(a.dest_tag);
    if (!destTag) throw new GenericError(`destination tag '${pyStr(a.dest_tag)}' does not exist`);
    db.targets.insert({ id: db.targets.nextval(), name, build_tag: buildTag.id, dest_tag: destTag.id });
    return null;
  });
  r.add(
    'packageListAdd',
    'pkglist_add(taginfo, pkginfo, owner=None, block=None, extra_arches=None, force=False, update=False)',
    (c, { a }) => {
      // the hub asks the package_list policy, whose default lets admins and 'tag' holders through
      c.session.assertPerm('tag');
      const tag = s.tags.tagRow(a.taginfo);
      const pkg = db.packages.find((p) => p.name === a.pkginfo || p.id === a.pkginfo);
      if (!pkg && typeof a.pkginfo !== 'string')
        throw new GenericError(`No such package: ${pyStr(a.pkginfo)}`);
      if (a.owner !== null && !db.users.find((u) => u.name === a.owner || u.id === a.owner))
        throw new GenericError(`No such user: ${pyStr(a.owner)}`);
      const pkgId = pkg ? pkg.id : s.builds.packageId(a.pkginfo as string);
      const previous = s.tags.lineage(tag.id).find((id) => pkgId in db.tags.get(id)!.packages);
      const block = a.block === null ? false : pyTruthy(a.block);
      if (previous !== undefined) {
        const blocked = db.tags.get(previous)!.packages[pkgId];
        if (blocked === block && !pyTruthy(a.force)) return null; // the same data again
        if (blocked && !block && !pyTruthy(a.force))
          throw new GenericError(`package ${pyStr(pkg?.name)} is blocked in tag ${tag.name}`);
      } else if (a.owner === null && !pyTruthy(a.force)) {
        throw new GenericError('owner not specified');
      }
      db.tags.update(tag.id, { packages: { ...tag.packages, [pkgId]: block } });
      return null;
    },
  );
  // the reading side of packageListAdd: the nearest entry in the inheritance decides
  r.add('checkTagPackage', 'RootExports.checkTagPackage(self, tag, pkg)', (_c, { a }) => {
    const tag = s.tags.findTag(a.tag);
    const pkg = db.packages.find((p) => p.name === a.pkg || p.id === a.pkg);
    if (!tag || !pkg) return false;
    const nearest = s.tags.lineage(tag.id).find((id) => pkg.id in db.tags.get(id)!.packages);
    return nearest !== undefined && !db.tags.get(nearest)!.packages[pkg.id];
  });
  r.add('addChannel', 'add_channel(channel_name, description=None)', (c, { a }) => {
    c.session.assertPerm('admin');
    const name = internalName(a.channel_name);
    const dup = db.channels.find((ch) => ch.name === name);
    if (dup) throw new GenericError(`channel ${dup.name} already exists (id=${dup.id})`);
    const description = convertValue(a.description, 'str', {
      noneAllowed: true,
      message: 'Channel description must be a string',
    });
    return db.channels.insert({
      id: db.channels.nextval(),
      name,
      description,
      enabled: true,
      comment: null,
    }).id;
  });
  r.add(
    'addHostToChannel',
    'add_host_to_channel(hostname, channel_name, create=False, force=False)',
    (c, { a }) => {
      c.session.assertPerm('host');
      const host = db.hosts.find((h) => h.name === a.hostname || h.id === a.hostname);
      if (!host) throw new GenericError(`host does not exist: ${pyStr(a.hostname)}`);
      let channel = db.channels.find((ch) => ch.name === a.channel_name || ch.id === a.channel_name);
      if (!channel && pyTruthy(a.create)) {
        const name = internalName(a.channel_name);
        channel = db.channels.insert({
          id: db.channels.nextval(),
          name,
          description: null,
          enabled: true,
          comment: null,
        });
      }
      if (!channel) throw new GenericError(`channel does not exist: ${pyStr(a.channel_name)}`);
      if (!pyTruthy(a.force) && !channel.enabled)
        throw new GenericError(`channel ${pyStr(a.channel_name)} is disabled`);
      if (host.channels.includes(channel.id)) {
        throw new GenericError(
          `host ${pyStr(a.hostname)} is already subscribed to the ${pyStr(a.channel_name)} channel`,
        );
      }
      db.hosts.update(host.id, { channels: [...host.channels, channel.id] });
      return null;
    },
  );
  r.add('removeHostFromChannel', 'remove_host_from_channel(hostname, channel_name)', (c, { a }) => {
    c.session.assertPerm('host');
    const host = db.hosts.find((h) => h.name === a.hostname || h.id === a.hostname);
    if (!host) throw new GenericError(`host does not exist: ${pyStr(a.hostname)}`);
    const channel = db.channels.find((ch) => ch.name === a.channel_name || ch.id === a.channel_name);
    if (!channel) throw new GenericError(`channel does not exist: ${pyStr(a.channel_name)}`);
    if (!host.channels.includes(channel.id)) {
      throw new GenericError(
        `host ${pyStr(a.hostname)} is not subscribed to the ${pyStr(a.channel_name)} channel`,
      );
    }
    db.hosts.update(host.id, { channels: host.channels.filter((id) => id !== channel.id) });
    return null;
  });
  r.add('editHost', 'edit_host(hostInfo, **kw)', (c, { a, kw }) => {
    c.session.assertPerm('host');
    const host =
      typeof a.hostInfo === 'number' ? db.hosts.get(a.hostInfo) : db.hosts.find((h) => h.name === a.hostInfo);
    if (!host) throw new GenericError(`Invalid hostInfo: ${pyStr(a.hostInfo)}`);
    const patch: Partial<Record<'arches' | 'capacity' | 'description' | 'comment', KojiValue>> = {};
    for (const field of ['arches', 'capacity', 'description', 'comment'] as const) {
      if (field in kw && kw[field] !== host[field]) patch[field] = kw[field];
    }
    if (Object.keys(patch).length === 0) return false;
    for (const field of ['arches', 'description', 'comment'] as const)
      if (field in patch) convertValue(patch[field], 'str', { checkOnly: true });
    db.hosts.update(host.id, patch as Partial<typeof host>);
    return true;
  });
  r.add('scheduler.doRun', 'SchedulerExports.doRun(self, force=False)', (c, { a }) => {
    const force = convertValue(a.force, 'bool');
    c.session.assertPerm('admin');
    return s.scheduler.run(force);
  });
}

/** `verify_name_internal` with the hub's default settings (a string, at most 256 characters). */
function internalName(value: KojiValue): string {
  if (typeof value !== 'string') throw new GenericError('Name should be string');
  if (value.length > 256) throw new GenericError(`Name ${value} is too long. Max length is 256 characters`);
  return value;
}

/** `koji.parse_arches(arches, strict=True, allow_none=True)`: None is '' (and then not inherited). */
function parseArches(value: KojiValue): string {
  if (value === null) return '';
  const list = isInstance(value, 'list') ? (value as KojiValue[]).map(pyStr) : pyStr(value).split(/\s+/);
  const arches = list.filter(Boolean);
  if (arches.some((arch) => !/^[a-zA-Z0-9_-]*$/.test(arch)))
    throw new GenericError('Architecture can be only [a-zA-Z0-9_-]');
  return arches.join(' ');
}
