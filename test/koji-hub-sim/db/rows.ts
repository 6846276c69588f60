import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';

/** Rows of the simulator's tables; names follow Koji's schema.sql. Times are epoch seconds. */

export const USERTYPE = { NORMAL: 0, HOST: 1, GROUP: 2 } as const;
export const AUTHTYPE = { NORMAL: 0, KERBEROS: 1, SSL: 2, GSSAPI: 3 } as const;

export interface UserRow {
  id: number;
  name: string;
  password: string | null;
  status: number; // 0 NORMAL, 1 BLOCKED
  usertype: number;
  perms: string[];
  krb_principals: string[];
}

export interface SessionRow {
  id: number;
  user_id: number;
  expired: boolean;
  master: number | null;
  key: string;
  authtype: number;
  hostip: string;
  callnum: number | null;
  start_time: number;
  update_time: number;
  exclusive: true | null;
  closed: boolean;
  renew_time: number | null;
}

export interface ChannelRow {
  id: number;
  name: string;
  description: string | null;
  enabled: boolean;
  comment: string | null;
}

export interface HostRow {
  id: number;
  user_id: number;
  name: string;
  update_time: number | null;
  task_load: number;
  ready: boolean;
  arches: string;
  capacity: number;
  description: string | null;
  comment: string | null;
  enabled: boolean;
  channels: number[];
  /** scheduler_host_data: what updateHost's `data` said (methods, maxjobs...). */
  data: KojiStruct | null;
}

export interface TaskRow {
  id: number;
  state: number;
  create_time: number;
  start_time: number | null;
  completion_time: number | null;
  channel_id: number;
  host_id: number | null;
  parent: number | null;
  label: string | null;
  waiting: boolean | null;
  awaited: boolean | null;
  owner: number;
  method: string;
  /** The `<methodCall>` document, as the hub stores it. */
  request: string;
  /** The `<methodResponse>` document given to closeTask/failTask. */
  result: string | null;
  arch: string;
  priority: number;
  weight: number;
}

export interface TaskRunRow {
  id: number;
  task_id: number;
  host_id: number;
  active: boolean;
  create_time: number;
}

export interface RefusalRow {
  id: number;
  task_id: number;
  host_id: number;
  by_host: boolean;
  soft: boolean;
  msg: string;
  time: number;
}

export interface InheritanceLink {
  parent_id: number;
  priority: number;
  maxdepth: number | null;
  intransitive: boolean;
  noconfig: boolean;
  pkg_filter: string;
}

export interface TagRow {
  id: number;
  name: string;
  create_event: number;
  arches: string | null;
  locked: boolean;
  perm_id: number | null;
  maven_support: boolean;
  maven_include_all: boolean;
  extra: Record<string, KojiValue>;
  inheritance: InheritanceLink[];
  /** Package list: package id -> blocked. */
  packages: Record<number, boolean>;
  /** Build groups for comps.xml: group name -> package names. */
  groups: Record<string, string[]>;
}

export interface TargetRow {
  id: number;
  name: string;
  build_tag: number;
  dest_tag: number;
}

export interface PackageRow {
  id: number;
  name: string;
}

export interface BuildRow {
  id: number;
  pkg_id: number;
  version: string;
  release: string;
  epoch: number | null;
  state: number;
  task_id: number | null;
  owner: number;
  create_event: number;
  start_time: number | null;
  completion_time: number | null;
  source: string | null;
  extra: KojiStruct | null;
  draft: boolean;
}

export interface RpmRow {
  id: number;
  build_id: number | null;
  buildroot_id: number | null;
  name: string;
  version: string;
  release: string;
  epoch: number | null;
  arch: string;
  payloadhash: string;
  size: number;
  buildtime: number;
  external_repo_id: number;
  metadata_only: boolean;
  extra: KojiStruct | null;
  draft: boolean;
}

export interface TagListingRow {
  id: number;
  tag_id: number;
  build_id: number;
  create_event: number;
  owner: number;
}

export interface BuildrootRow {
  id: number;
  host_id: number;
  repo_id: number;
  task_id: number | null;
  arch: string;
  state: number;
  create_event: number;
  retire_event: number | null;
  listing: Array<{ rpm_id: number; is_update: boolean }>;
}

export interface RepoRow {
  id: number;
  tag_id: number;
  state: number;
  create_event: number;
  begin_event: number;
  end_event: number | null;
  creation_time: number;
  state_time: number;
  task_id: number | null;
  dist: boolean;
  opts: KojiStruct;
  custom_opts: KojiStruct;
}

export interface EventRow {
  id: number;
  time: number;
}

/** repo_queue: a `repo.request` waiting for a repo. */
export interface RepoRequestRow {
  id: number;
  tag_id: number;
  owner: number;
  priority: number;
  min_event: number | null;
  at_event: number | null;
  opts: KojiStruct;
  create_time: number;
  update_time: number;
  active: boolean;
  task_id: number | null;
  tries: number;
  repo_id: number | null;
}
