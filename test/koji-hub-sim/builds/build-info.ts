import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import type { BuildRow, RpmRow } from '../db/rows';
import { pyDatetimeOrNull } from '../python/py-format';

/** `get_build`'s map for a build row. */
export function buildInfo(db: HubDb, b: Readonly<BuildRow>): KojiStruct {
  const name = db.packages.get(b.pkg_id)!.name;
  const owner = db.users.get(b.owner);
  const created = db.eventTime(b.create_event);
  return {
    id: b.id,
    build_id: b.id,
    version: b.version,
    release: b.release,
    epoch: b.epoch,
    draft: b.draft,
    state: b.state,
    completion_time: pyDatetimeOrNull(b.completion_time),
    completion_ts: b.completion_time,
    promotion_time: null,
    promotion_ts: null,
    start_time: pyDatetimeOrNull(b.start_time),
    start_ts: b.start_time,
    task_id: b.task_id,
    creation_event_id: b.create_event,
    creation_time: pyDatetimeOrNull(created),
    creation_ts: created,
    package_id: b.pkg_id,
    package_name: name,
    name,
    volume_id: 0,
    volume_name: 'DEFAULT',
    nvr: `${name}-${b.version}-${b.release}`,
    owner_id: b.owner,
    owner_name: owner?.name ?? null,
    promoter_id: null,
    promoter_name: null,
    cg_id: null,
    cg_name: null,
    source: b.source,
    extra: b.extra,
  };
}

/** `list_rpms`'s map for an rpminfo row. */
export function rpmInfo(db: HubDb, r: Readonly<RpmRow>): KojiStruct {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    release: r.release,
    nvr: `${r.name}-${r.version}-${r.release}`,
    arch: r.arch,
    epoch: r.epoch,
    draft: r.draft,
    payloadhash: r.payloadhash,
    size: r.size,
    buildtime: r.buildtime,
    build_id: r.build_id,
    buildroot_id: r.buildroot_id,
    external_repo_id: r.external_repo_id,
    external_repo_name: r.external_repo_id === 0 ? 'INTERNAL' : `external-${r.external_repo_id}`,
    metadata_only: r.metadata_only,
    extra: r.extra,
  };
}
