import {
  existsSync,
  lstatSync,
  mkdirSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { canonArch } from '@koji-farm/koji';
import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import type { RepoRow } from '../db/rows';
import { REPO_STATES, REPO_STATE_NAMES } from '../db/states';
import { GenericError, ParameterError } from '../errors/koji-errors';
import type { KojiDir } from '../kojidir';
import { convertValue, isInstance } from '../python/py-convert';
import { pyDatetimeOrNull, pyStr } from '../python/py-format';
import type { TagService } from '../catalog/tag-service';
import type { BuildService } from '../builds/build-service';
import { generateComps } from './comps';

const DEFAULT_OPTS = { src: false, debuginfo: false, separate_src: false, maven: false };

/** Repos: repo_init's on-disk layout, repoDone's move into place, and the lookups. */
export class RepoService {
  constructor(
    private readonly db: HubDb,
    private readonly dir: KojiDir,
    private readonly tags: TagService,
    private readonly builds: BuildService,
  ) {}

  /**
   * `repo_init`: an INIT repo with repos/<tag>/<id>/{repo.json, groups/comps.xml} and
   * per arch a `toplink` symlink to topdir and a `pkglist` of `toplink/packages/...`
   * paths of the latest tagged RPMs (with inheritance). Returns [repo_id, event_id].
   */
  repoInit(tagArg: KojiValue, taskId: number | null, opts: KojiValue): [number, number] {
    const tag = this.tags.tagRow(tagArg);
    const override = opts === null || opts === undefined ? {} : (opts as KojiStruct);
    const repoOpts: KojiStruct = {
      ...DEFAULT_OPTS,
      ...(tag.extra['repo.opts'] as KojiStruct | undefined),
      ...override,
    };
    const custom: KojiStruct = {};
    for (const [k, v] of Object.entries(override)) if ((DEFAULT_OPTS as KojiStruct)[k] !== v) custom[k] = v;
    const arches = new Set<string>();
    if (repoOpts.separate_src) arches.add('src');
    // as repo_init: one directory per canonical arch (a tag's i686 is the repo's i386)
    for (const a of (tag.arches ?? '').split(/\s+/).filter(Boolean).map(canonArch))
      if (a !== 'src' && a !== 'noarch') arches.add(a);
    const eventId = this.db.event();
    const repo = this.db.repos.insert({
      id: this.db.repos.nextval(),
      tag_id: tag.id,
      state: REPO_STATES.INIT,
      create_event: eventId,
      begin_event: eventId,
      end_event: null,
      creation_time: this.db.now(),
      state_time: this.db.now(),
      task_id: taskId,
      dist: false,
      opts: repoOpts,
      custom_opts: custom,
    });
    const repodir = this.dir.repo(repo.id, tag.name);
    mkdirSync(join(repodir, 'groups'), { recursive: true });
    writeFileSync(join(repodir, 'groups/comps.xml'), generateComps(this.tags.groups(tag.id)));
    const info = {
      id: repo.id,
      tag: tag.name,
      tag_id: tag.id,
      task_id: taskId,
      event_id: eventId,
      opts: repoOpts,
      custom_opts: custom,
    };
    writeFileSync(join(repodir, 'repo.json'), JSON.stringify(info, null, 2));
    const lists = new Map<string, string[]>([...arches].map((a) => [a, []]));
    for (const build of this.builds.taggedBuilds(tag.id, true, !tag.extra.repo_include_all)) {
      const bdir = this.dir.buildRelPath({
        name: pyStr(build.name),
        version: pyStr(build.version),
        release: pyStr(build.release),
      });
      for (const rpm of this.db.rpms.filter((r) => r.build_id === build.id)) {
        if (!repoOpts.debuginfo && /-debug(info|source)/.test(rpm.name)) continue;
        const line = `toplink/${bdir}/${this.dir.rpmRelPath(rpm)}`;
        const targets =
          rpm.arch === 'src'
            ? repoOpts.src
              ? [...arches]
              : []
            : rpm.arch === 'noarch'
              ? [...arches].filter((a) => a !== 'src')
              : [canonArch(rpm.arch)];
        for (const a of targets) lists.get(a)?.push(line);
      }
    }
    for (const [arch, lines] of lists) {
      const archdir = join(repodir, arch);
      mkdirSync(archdir, { recursive: true });
      symlinkSync(relative(archdir, this.dir.topdir), join(archdir, 'toplink'));
      writeFileSync(join(archdir, 'pkglist'), lines.map((l) => `${l}\n`).join(''));
      writeFileSync(join(archdir, 'blocklist'), '');
    }
    return [repo.id, eventId];
  }

  /** `repoDone`: moves each arch's uploaded files into repodata/ and marks the repo READY. */
  repoDone(repoId: KojiValue, data: KojiValue): void {
    const info = this.repoInfo(repoId, true)!;
    convertValue(data, 'dict', { checkOnly: true });
    if (info.state !== REPO_STATES.INIT)
      throw new GenericError(`Repo ${pyStr(info.id)} not in INIT state (got ${pyStr(info.state)})`);
    const repodir = this.dir.repo(info.id as number, info.tag_name as string);
    const work = this.dir.work();
    for (const [arch, entry] of Object.entries(data as KojiStruct)) {
      const archdir = join(repodir, arch);
      if (!existsSync(archdir)) throw new GenericError(`Repo arch directory missing: ${archdir}`);
      const [uploadpath, files] = entry as [string, string[]];
      mkdirSync(join(archdir, 'repodata'), { recursive: true });
      for (const fn of files) {
        const src = join(work, uploadpath, fn);
        const dst = fn.endsWith('pkglist') ? join(archdir, fn) : join(archdir, 'repodata', fn);
        if (!existsSync(src)) throw new GenericError(`uploaded file missing: ${src}`);
        renameSync(src, dst);
      }
    }
    this.setState(info.id as number, REPO_STATES.READY);
    this.symlinkIfLatest(this.db.repos.get(info.id as number)!, info.tag_name as string);
  }

  setState(repoId: number, state: number): void {
    const row = this.db.repos.get(repoId)!;
    if (REPO_STATE_NAMES[state] === undefined) throw new ParameterError(`Unknown repo state: ${state}`);
    if (row.state > state && state !== REPO_STATES.DELETED) {
      throw new GenericError(
        `Invalid repo state transition for repo ${repoId}: ${REPO_STATE_NAMES[row.state]} -> ${REPO_STATE_NAMES[state]}`,
      );
    }
    if (row.state !== state) this.db.repos.update(repoId, { state, state_time: this.db.now() });
  }

  /** `repo_info`. */
  repoInfo(repoId: KojiValue, strict = false): KojiStruct | null {
    const id = convertValue(repoId, 'int', { noneAllowed: true });
    const row = id === null ? undefined : this.db.repos.get(id);
    if (!row) {
      if (strict) throw new GenericError('query returned no rows');
      return null;
    }
    return this.info(row);
  }

  /** `getRepo` (old_get_repo): the newest repo of the tag in `state` (READY by default). */
  getRepo(tagArg: KojiValue, state: KojiValue, event: KojiValue, dist: KojiValue): KojiStruct | null {
    const tag = this.tags.tagRow(tagArg);
    const st = convertValue(state, 'int', { noneAllowed: true }) ?? REPO_STATES.READY;
    const ev = convertValue(event, 'int', { noneAllowed: true });
    const wantDist = convertValue(dist, 'bool');
    const rows = this.db.repos
      .filter(
        (r) => r.tag_id === tag.id && r.dist === wantDist && (ev ? r.create_event <= ev : r.state === st),
      )
      .sort((a, b) => b.creation_time - a.creation_time || b.id - a.id);
    return rows.length > 0 ? this.info(rows[0]) : null;
  }

  info(r: Readonly<RepoRow>): KojiStruct {
    const ts = (e: number | null): number | null => this.db.eventTime(e);
    return {
      id: r.id,
      tag_id: r.tag_id,
      tag_name: this.db.tags.get(r.tag_id)?.name ?? null,
      creation_time: pyDatetimeOrNull(r.creation_time),
      creation_ts: r.creation_time,
      state_time: pyDatetimeOrNull(r.state_time),
      state_ts: r.state_time,
      create_event: r.create_event,
      create_ts: ts(r.create_event),
      begin_event: r.begin_event,
      begin_ts: ts(r.begin_event),
      end_event: r.end_event,
      end_ts: ts(r.end_event),
      state: r.state,
      dist: r.dist,
      opts: r.opts,
      custom_opts: r.custom_opts,
      task_id: r.task_id,
      task_state: r.task_id === null ? null : (this.db.tasks.get(r.task_id)?.state ?? null),
    };
  }

  private symlinkIfLatest(repo: Readonly<RepoRow>, tagName: string): void {
    if (Object.keys(repo.custom_opts).length > 0) return;
    const newer = this.db.repos.find(
      (r) => r.tag_id === repo.tag_id && r.state === REPO_STATES.READY && r.create_event > repo.create_event,
    );
    if (newer) return;
    const link = this.dir.repo('latest', tagName);
    try {
      if (lstatSync(link, { throwIfNoEntry: false })) unlinkSync(link);
      symlinkSync(String(repo.id), link);
    } catch {
      // the hub too treats the latest link as nonessential
    }
  }
}

export function isStruct(v: KojiValue): v is KojiStruct {
  return isInstance(v, 'dict');
}
