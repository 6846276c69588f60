import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import type { HostRow } from '../db/rows';

/** `get_host` / `listHosts`' map of a host. */
export function hostInfo(_db: HubDb, h: Readonly<HostRow>): KojiStruct {
  return {
    id: h.id,
    user_id: h.user_id,
    name: h.name,
    update_ts: h.update_time,
    ready: h.ready,
    task_load: h.task_load,
    arches: h.arches,
    capacity: h.capacity,
    description: h.description,
    comment: h.comment,
    enabled: h.enabled,
  };
}
