import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import type { HubServices } from '../hub-services';
import type { RepoRequestRow } from '../db/rows';
import { PRIO_DEFAULT, REPO_STATES } from '../db/states';
import { ActionNotAllowed, GenericError, ParameterError } from '../errors/koji-errors';
import type { Session } from '../auth/session';
import { convertValue } from '../python/py-convert';
import { pyDatetime } from '../python/py-format';
import { makeTask } from '../tasks/make-task';

/**
 * The 1.35 hub's repo queue (repos.py `request_repo`, `check_repo_request`,
 * `get_repo`), which kojid's RepoWatcher uses to get a repo for a build. A request
 * that no READY repo satisfies gets its newRepo task at once (the real hub's queue
 * check does that on its next pass).
 */
export class RepoQueue {
  constructor(
    private readonly s: Omit<HubServices, 'onTaskCreated'> & { onTaskCreated: (id: number) => void },
  ) {}

  /** `tag_last_change_event`: the newest event that changed the tag or an ancestor. */
  lastChangeEvent(tagId: number): number {
    const lineage = this.s.tags.lineage(tagId);
    const events = lineage.map((id) => this.s.db.tags.get(id)!.create_event);
    for (const l of this.s.db.tagListing.filter((x) => lineage.includes(x.tag_id)))
      events.push(l.create_event);
    return Math.max(...events);
  }

  /** `get_repo`: the newest READY repo of the tag from `minEvent` on (or at `atEvent`). */
  get(tag: KojiValue, minEvent: KojiValue, atEvent: KojiValue): KojiStruct | null {
    const t = this.s.tags.tagRow(tag);
    const min = convertValue(minEvent, 'int', { noneAllowed: true });
    const at = convertValue(atEvent, 'int', { noneAllowed: true });
    const rows = this.s.db.repos
      .filter(
        (r) =>
          r.tag_id === t.id &&
          !r.dist &&
          r.state === REPO_STATES.READY &&
          Object.keys(r.custom_opts).length === 0,
      )
      .filter((r) => (at !== null ? r.create_event === at : min === null || r.create_event >= min))
      .sort((a, b) => b.create_event - a.create_event);
    return rows.length > 0 ? this.s.repos.info(rows[0]) : null;
  }

  request(
    session: Session,
    tag: KojiValue,
    minEventArg: KojiValue,
    atEvent: KojiValue,
    priorityArg: KojiValue,
  ): KojiStruct {
    session.assertLogin();
    const t = this.s.tags.tagRow(tag);
    let minEvent: number | null = null;
    if (atEvent !== null) {
      if (minEventArg !== null) throw new ParameterError('The min_event and at_event options conflict');
    } else if (minEventArg === 'last') {
      minEvent = this.lastChangeEvent(t.id);
    } else if (minEventArg !== null) {
      minEvent = convertValue(minEventArg, 'int');
      if (!this.s.db.events.get(minEvent)) throw new ParameterError(`Invalid event: ${minEvent}`);
    } else {
      // default_min_event: a repo within RepoLag is good enough. The simulator accepts any
      // repo of the tag, but names a real event (the tag's creation), as the hub does: a
      // waitrepo task hands it back in `min_event`.
      minEvent = t.create_event;
    }
    let priority = PRIO_DEFAULT;
    if (priorityArg !== null) {
      const p = convertValue(priorityArg, 'int');
      if (p < 0 && !session.hasPerm('admin'))
        throw new ActionNotAllowed('only admins may create high-priority requests');
      priority += p;
    }
    const repo = this.get(t.id, minEvent, atEvent);
    if (repo) return { repo, request: null, duplicate: false };
    const at = convertValue(atEvent, 'int', { noneAllowed: true });
    const existing = this.s.db.repoQueue.find(
      (r) =>
        r.tag_id === t.id &&
        r.active &&
        (at !== null ? r.at_event === at : (r.min_event ?? 0) >= (minEvent ?? 0)),
    );
    if (existing) return { repo: null, request: this.info(existing), duplicate: true };
    const now = this.s.db.now();
    const row = this.s.db.repoQueue.insert({
      id: this.s.db.repoQueue.nextval(),
      tag_id: t.id,
      owner: session.userId!,
      priority,
      min_event: minEvent,
      at_event: at,
      opts: {},
      create_time: now,
      update_time: now,
      active: true,
      task_id: null,
      tries: 1,
      repo_id: null,
    });
    const kwargs: KojiStruct = { opts: {}, __starstar: true };
    if (at !== null) kwargs.event = at;
    const taskId = makeTask(
      this.s.db,
      session,
      'newRepo',
      [{ id: t.id, name: t.name }, kwargs],
      { priority: 15, channel: 'createrepo' },
      this.s.onTaskCreated,
    );
    return {
      repo: null,
      request: this.info(this.s.db.repoQueue.update(row.id, { task_id: taskId })),
      duplicate: false,
    };
  }

  check(reqId: KojiValue): KojiStruct {
    const id = convertValue(reqId, 'int');
    let req = this.s.db.repoQueue.get(id);
    if (!req) throw new GenericError('No such request');
    if (req.active) {
      const repo = this.get(req.tag_id, req.at_event === null ? req.min_event : null, req.at_event);
      if (repo)
        req = this.s.db.repoQueue.update(id, {
          active: false,
          repo_id: repo.id as number,
          update_time: this.s.db.now(),
        });
    }
    const ret: KojiStruct = { repo: null, request: this.info(req) };
    if (req.repo_id) ret.repo = this.s.repos.repoInfo(req.repo_id);
    else if (req.task_id) ret.task = this.s.tasks.getInfo(req.task_id, false, false);
    return ret;
  }

  private info(r: Readonly<RepoRequestRow>): KojiStruct {
    return {
      id: r.id,
      tag_id: r.tag_id,
      tag_name: this.s.db.tags.get(r.tag_id)?.name ?? null,
      owner: r.owner,
      owner_name: this.s.db.users.get(r.owner)?.name ?? null,
      priority: r.priority,
      at_event: r.at_event,
      min_event: r.min_event,
      opts: r.opts,
      create_time: pyDatetime(r.create_time),
      create_ts: r.create_time,
      update_time: pyDatetime(r.update_time),
      update_ts: r.update_time,
      active: r.active,
      task_id: r.task_id,
      task_state: r.task_id === null ? null : (this.s.db.tasks.get(r.task_id)?.state ?? null),
      tries: r.tries,
      repo_id: r.repo_id,
    };
  }
}
