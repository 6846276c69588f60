import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import type { UserRow } from '../db/rows';
import { GenericError } from '../errors/koji-errors';
import type { HubServices } from '../hub-services';
import { convertValue, pyTruthy } from '../python/py-convert';
import { pyStr } from '../python/py-format';
import type { MethodRegistry } from '../rpc/method-registry';
import { findChannel } from '../tasks/make-task';
import { hostInfo } from './host-info';

/** RootExports that read: sessions, users, hosts, tags, targets, builds, RPMs, buildroots, repos. */
export function registerRootInfoExports(r: MethodRegistry, s: HubServices): void {
  const { db } = s;
  const R = (sig: string): string => `RootExports.${sig}`;

  r.add('echo', R('echo(self, *args)'), (_c, { rest }) => rest);
  r.add('hello', R('hello(self, *args)'), () => 'Hello World');
  r.add('getKojiVersion', R('getKojiVersion(self)'), () => s.opts().kojiVersion);
  r.add('getAPIVersion', R('getAPIVersion(self)'), () => 1);
  r.add('system.listMethods', 'HandlerRegistry.system_listMethods(self)', () => r.names());
  r.add('getSessionInfo', R('getSessionInfo(self, details=False, user_id=None)'), (c, { a }) => {
    if (!c.session.loggedIn) return null;
    const data: KojiStruct = { ...c.session.sessionData };
    if (pyTruthy(a.details)) {
      data.hostip = c.session.hostip;
      data.id = c.session.id;
    }
    return data;
  });
  r.add('getLoggedInUser', R('getLoggedInUser(self)'), (c) => {
    if (!c.session.loggedIn) return null;
    const me = userInfo(db.users.get(c.session.userId)!);
    return { ...me, authtype: c.session.authtype, krb_principal: null };
  });
  r.add('getUser', 'get_user(userInfo=None, strict=False, krb_princs=True, groups=False)', (c, { a }) => {
    const info = a.userInfo ?? c.session.userId;
    const user = typeof info === 'number' ? db.users.get(info) : db.users.find((u) => u.name === info);
    if (!user) {
      if (pyTruthy(a.strict)) throw new GenericError(`No such user: ${pyStr(info)}`);
      return null;
    }
    return userInfo(user);
  });
  r.add('getPerms', R('getPerms(self)'), (c) => c.session.perms);
  r.add('hasPerm', R('hasPerm(self, perm, strict=False)'), (c, { a }) => c.session.hasPerm(pyStr(a.perm)));
  r.add('getLastEvent', R('getLastEvent(self, before=None, strict=True)'), () => {
    const last = db.events.all().at(-1) ?? { id: db.event(), time: db.now() };
    return { id: last.id, ts: last.time };
  });

  r.add('getHost', 'get_host(hostInfo, strict=False, event=None)', (_c, { a }) => {
    const h =
      typeof a.hostInfo === 'number' ? db.hosts.get(a.hostInfo) : db.hosts.find((x) => x.name === a.hostInfo);
    if (!h) {
      if (pyTruthy(a.strict)) throw new GenericError(`Invalid hostInfo: ${pyStr(a.hostInfo)}`);
      return null;
    }
    return hostInfo(db, h);
  });
  r.add(
    'listHosts',
    R('listHosts(self, arches=None, channelID=None, ready=None, enabled=None, userID=None, queryOpts=None)'),
    (_c, { a }) => {
      if (a.arches !== null && !pyTruthy(a.arches)) throw new GenericError('arches option cannot be empty');
      const arches = a.arches === null ? null : Array.isArray(a.arches) ? a.arches : [a.arches];
      const channel = a.channelID === null ? null : findChannel(db, a.channelID);
      if (a.channelID !== null && !channel) throw new GenericError(`No such channel: ${pyStr(a.channelID)}`);
      return db.hosts
        .filter((h) => arches === null || h.arches.split(/\s+/).some((x) => arches.includes(x)))
        .filter((h) => channel === null || channel === undefined || h.channels.includes(channel.id))
        .filter((h) => a.ready === null || h.ready === pyTruthy(a.ready))
        .filter((h) => a.enabled === null || h.enabled === pyTruthy(a.enabled))
        .filter(
          (h) => a.userID === null || h.user_id === a.userID || db.users.get(h.user_id)?.name === a.userID,
        )
        .map((h) => hostInfo(db, h));
    },
  );
  r.add('getChannel', 'get_channel(channelInfo, strict=False)', (_c, { a }) => {
    const ch = findChannel(db, a.channelInfo);
    if (!ch && pyTruthy(a.strict)) throw new GenericError(`No such channel: ${pyStr(a.channelInfo)}`);
    return ch ? { ...ch } : null;
  });
  r.add('listChannels', 'list_channels(hostID=None, event=None, enabled=None)', (_c, { a }) => {
    const host = a.hostID === null ? null : db.hosts.get(convertValue(a.hostID, 'int'));
    return db.channels
      .filter((ch) => host === null || host?.channels.includes(ch.id) === true)
      .filter((ch) => a.enabled === null || ch.enabled === pyTruthy(a.enabled))
      .map((ch) => ({ ...ch }));
  });

  r.add('getTag', 'get_tag(tagInfo, strict=False, event=None, blocked=False)', (_c, { a }) =>
    s.tags.getTag(a.tagInfo, pyTruthy(a.strict)),
  );
  r.add('getBuildConfig', R('getBuildConfig(self, tag, event=None)'), (_c, { a }) =>
    s.tags.buildConfig(a.tag),
  );
  r.add('getBuildTarget', 'get_build_target(info, event=None, strict=False)', (_c, { a }) =>
    s.tags.getBuildTarget(a.info, pyTruthy(a.strict)),
  );
  r.add(
    'getBuildTargets',
    'get_build_targets(info=None, event=None, buildTagID=None, destTagID=None, queryOpts=None)',
    (_c, { a }) =>
      db.targets
        .filter((t) => a.info === null || t.id === a.info || t.name === a.info)
        .filter((t) => a.buildTagID === null || t.build_tag === a.buildTagID)
        .filter((t) => a.destTagID === null || t.dest_tag === a.destTagID)
        .map((t) => s.tags.getBuildTarget(t.id)),
  );
  r.add('getBuild', 'get_build(buildInfo, strict=False)', (_c, { a }) =>
    s.builds.getBuild(a.buildInfo, pyTruthy(a.strict)),
  );
  r.add(
    'listRPMs',
    'list_rpms(buildID=None, buildrootID=None, imageID=None, componentBuildrootID=None, hostID=None, arches=None, queryOpts=None, draft=None)',
    (_c, { a }) =>
      s.builds.listRpms({
        buildID: convertValue(a.buildID, 'int', { noneAllowed: true }),
        buildrootID: convertValue(a.componentBuildrootID ?? a.buildrootID, 'int', { noneAllowed: true }),
        arches: a.arches === null ? null : ((Array.isArray(a.arches) ? a.arches : [a.arches]) as string[]),
      }),
  );
  r.add(
    'listTagged',
    R(
      'listTagged(self, tag, event=None, inherit=False, prefix=None, latest=False, package=None, owner=None, type=None, strict=True, extra=False, draft=None)',
    ),
    (_c, { a }) => {
      const tag = s.tags.getTag(a.tag, pyTruthy(a.strict));
      if (!tag) return [];
      let rows = s.builds.taggedBuilds(tag.id as number, pyTruthy(a.inherit), pyTruthy(a.latest));
      if (a.package !== null) rows = rows.filter((b) => b.package_name === a.package);
      if (a.prefix !== null)
        rows = rows.filter((b) =>
          pyStr(b.package_name).toLowerCase().startsWith(pyStr(a.prefix).toLowerCase()),
        );
      return rows;
    },
  );

  r.add(
    'listBuildroots',
    'query_buildroots(hostID=None, tagID=None, state=None, rpmID=None, archiveID=None, taskID=None, buildrootID=None, repoID=None, queryOpts=None)',
    (_c, { a }) => s.buildroots.query(a),
  );
  r.add('getBuildroot', 'get_buildroot(buildrootID, strict=False)', (_c, { a }) => {
    const id = convertValue(a.buildrootID, 'int');
    const found = s.buildroots.query({ buildrootID: id });
    if (found.length === 0) {
      if (pyTruthy(a.strict)) throw new GenericError(`No such buildroot: ${id}`);
      return null;
    }
    return found[0];
  });
  r.add('getBuildrootListing', R('getBuildrootListing(self, id)'), (_c, { a }) =>
    s.buildroots.load(a.id).listing.map((l) => {
      const rpm = db.rpms.get(l.rpm_id)!;
      return {
        rpm_id: l.rpm_id,
        is_update: l.is_update,
        name: rpm.name,
        version: rpm.version,
        release: rpm.release,
        epoch: rpm.epoch,
        arch: rpm.arch,
        build_id: rpm.build_id,
        draft: rpm.draft,
        external_repo_id: rpm.external_repo_id,
        external_repo_name: rpm.external_repo_id === 0 ? 'INTERNAL' : `external-${rpm.external_repo_id}`,
      };
    }),
  );
  r.add('repoInfo', 'repo_info(repo_id, strict=False)', (_c, { a }) =>
    s.repos.repoInfo(a.repo_id, pyTruthy(a.strict)),
  );
  r.add('getRepo', 'old_get_repo(tag, state=None, event=None, dist=False, min_event=None)', (_c, { a }) =>
    s.repos.getRepo(a.tag, a.state, a.event, a.dist),
  );
}

function userInfo(u: Readonly<UserRow>): KojiStruct {
  return {
    id: u.id,
    name: u.name,
    status: u.status,
    usertype: u.usertype,
    krb_principals: [...u.krb_principals],
  };
}

export type { KojiValue };
