import { z } from 'zod';

/** Reply shapes of the calls parent tasks make (protocol §5, §7), checked before use. */
const id = z.number().int();
const struct = z.record(z.string(), z.unknown());

export const taskOwnerReply = z.object({ id, owner: id, channel_id: id.nullable().optional() });

export const buildTargetReply = z
  .object({
    id,
    name: z.string(),
    build_tag: id,
    build_tag_name: z.string(),
    dest_tag: id,
    dest_tag_name: z.string(),
  })
  .nullable();

export const tagReply = z.object({
  id,
  name: z.string(),
  arches: z.string().nullable().optional(),
  extra: struct.nullable().optional(),
});

export const repoReply = z.object({
  id,
  tag_id: id,
  tag_name: z.string().optional(),
  state: id,
  create_event: id.nullable(),
  opts: struct.nullable().optional(),
});

export const repoRequestReply = z.object({
  repo: repoReply.passthrough().nullable().optional(),
  request: z
    .object({
      id,
      min_event: id.nullable().optional(),
      active: z.boolean(),
      task_id: id.nullable().optional(),
    })
    .passthrough()
    .nullable()
    .optional(),
});

export const eventReply = z.object({ id });

export const taggedBuildsReply = z.array(
  z.object({ version: z.string(), release: z.string() }).passthrough(),
);

export const packageConfigReply = z
  .object({ blocked: z.boolean(), extra_arches: z.string().nullable().optional() })
  .passthrough()
  .nullable();

export const buildReply = z
  .object({ id, state: id, task_id: id.nullable(), nvr: z.string() })
  .passthrough()
  .nullable();

export const buildListReply = z.array(z.object({ id, nvr: z.string() }).passthrough());

export const taskIdReply = id.positive();

export const taskWaitReply = z.tuple([z.array(id), z.array(id)]);

export const taskWaitResultsReply = z.array(z.tuple([id, z.unknown()]));

export const repoInitReply = z.tuple([id, id]);

export const inheritanceReply = z.array(z.object({ parent_id: id, currdepth: id }).passthrough());

export const externalReposReply = z.array(
  z
    .object({
      url: z.string(),
      merge_mode: z.string().nullable().optional(),
      arches: z.string().nullable().optional(),
    })
    .passthrough(),
);

export type BuildTarget = NonNullable<z.infer<typeof buildTargetReply>>;
export type TagInfo = z.infer<typeof tagReply>;
export type RepoInfo = z.infer<typeof repoReply>;
export type RepoRequestCheck = z.infer<typeof repoRequestReply>;
export type ExternalRepo = z.infer<typeof externalReposReply>[number];

/** Koji's repo and build states (protocol §3). */
export const REPO_STATE = { INIT: 0, READY: 1, EXPIRED: 2, DELETED: 3, PROBLEM: 4 } as const;
export const REPO_STATE_NAMES = ['INIT', 'READY', 'EXPIRED', 'DELETED', 'PROBLEM'];
export const BUILD_STATE = { BUILDING: 0, COMPLETE: 1, DELETED: 2, FAILED: 3, CANCELED: 4 } as const;
