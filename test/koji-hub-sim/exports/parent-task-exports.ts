import { buildInfo } from '../builds/build-info';
import type { HubServices } from '../hub-services';
import { convertValue, pyTruthy } from '../python/py-convert';
import { pyStr } from '../python/py-format';
import type { MethodRegistry } from '../rpc/method-registry';
import { verifiedHost } from './host-identity';

/**
 * What kojid's parent tasks read besides builds and repos (BuildTask, NewRepoTask,
 * ChainBuildTask, TagBuildTask): package config, external repos, inheritance, builds by
 * task, and the tag notification the hub sends (none here: no mail is configured).
 */
export function registerParentTaskExports(r: MethodRegistry, s: HubServices): void {
  const { db } = s;
  r.add('getPackageConfig', 'RootExports.getPackageConfig(self, tag, pkg, event=None)', (_c, { a }) => {
    const tag = s.tags.findTag(a.tag);
    const pkg = db.packages.find((p) => p.name === a.pkg || p.id === a.pkg);
    if (!tag || !pkg) return null;
    // readPackageList(inherit=True): the nearest tag in the inheritance that lists the package decides
    const from = s.tags.lineage(tag.id).find((id) => pkg.id in db.tags.get(id)!.packages);
    if (from === undefined) return null;
    const listing = db.tags.get(from)!;
    return {
      package_id: pkg.id,
      package_name: pkg.name,
      tag_id: listing.id,
      tag_name: listing.name,
      blocked: listing.packages[pkg.id],
      extra_arches: null,
      owner_id: null,
      owner_name: null,
    };
  });
  r.add('getExternalRepoList', 'get_external_repo_list(tag_info, event=None)', (_c, { a }) => {
    const tag = s.tags.tagRow(a.tag_info);
    return s.externalRepos.forTags(s.tags.lineage(tag.id));
  });
  r.add('createExternalRepo', 'create_external_repo(name, url)', (c, { a }) => {
    c.session.assertPerm('admin');
    return s.externalRepos.create(pyStr(a.name), pyStr(a.url));
  });
  r.add(
    'addExternalRepoToTag',
    "RootExports.addExternalRepoToTag(self, tag_info, repo_info, priority, merge_mode='koji', arches=None)",
    (c, { a }) => {
      c.session.assertPerm('tag');
      const tag = s.tags.tagRow(a.tag_info);
      s.externalRepos.addToTag(
        tag.id,
        a.repo_info as string | number,
        convertValue(a.priority, 'int'),
        a.merge_mode === null ? 'koji' : pyStr(a.merge_mode),
        a.arches === null ? null : pyStr(a.arches),
      );
      return null;
    },
  );
  r.add(
    'getFullInheritance',
    'RootExports.getFullInheritance(self, tag, event=None, reverse=False)',
    (_c, { a }) => {
      const tag = s.tags.tagRow(a.tag);
      return s.tags.fullInheritance(tag.id).map((link) => ({
        child_id: tag.id,
        parent_id: link.parent_id,
        name: db.tags.get(link.parent_id)!.name,
        currdepth: link.depth,
        noconfig: link.noconfig,
      }));
    },
  );
  r.add(
    'listBuilds',
    'RootExports.listBuilds(self, packageID=None, userID=None, taskID=None, prefix=None, state=None, volumeID=None, source=None, createdBefore=None, createdAfter=None, completeBefore=None, completeAfter=None, type=None, typeInfo=None, queryOpts=None, pattern=None, cgID=None, draft=None)',
    (_c, { a }) =>
      db.builds
        .filter((b) => a.taskID === null || b.task_id === convertValue(a.taskID, 'int'))
        .filter((b) => a.packageID === null || b.pkg_id === convertValue(a.packageID, 'int'))
        .filter((b) => a.state === null || b.state === convertValue(a.state, 'int'))
        .sort((x, y) => x.id - y.id)
        .map((b) => buildInfo(db, b)),
  );
  r.add(
    'host.tagNotification',
    "HostExports.tagNotification(self, is_successful, tag_id, from_id, build_id, user_id, ignore_success=False, failure_msg='')",
    (c, { a }) => {
      verifiedHost(c);
      // tag_notification() makes a tagNotification task only for recipients; the sim has none.
      void pyTruthy(a.is_successful);
      return null;
    },
  );
}
