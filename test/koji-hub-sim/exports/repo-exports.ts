import type { HubServices } from '../hub-services';
import { GenericError } from '../errors/koji-errors';
import { convertValue, pyTruthy } from '../python/py-convert';
import type { MethodRegistry } from '../rpc/method-registry';
import { RepoQueue } from '../repos/repo-queue';

/** RepoExports (`repo.*`) and the event calls kojid's RepoWatcher makes. */
export function registerRepoExports(r: MethodRegistry, s: HubServices): void {
  const queue = new RepoQueue(s);
  r.add(
    'repo.request',
    'request_repo(tag, min_event=None, at_event=None, opts=None, priority=None, force=False)',
    (c, { a }) => queue.request(c.session, a.tag, a.min_event, a.at_event, a.priority),
  );
  r.add('repo.get', 'get_repo(tag, min_event=None, at_event=None, opts=None)', (_c, { a }) =>
    queue.get(a.tag, a.min_event, a.at_event),
  );
  r.add('repo.checkRequest', 'check_repo_request(req_id)', (_c, { a }) => queue.check(a.req_id));
  r.add('tagLastChangeEvent', 'tag_last_change_event(tag, before=None, inherit=True)', (_c, { a }) =>
    queue.lastChangeEvent(s.tags.tagRow(a.tag).id),
  );
  r.add('getEvent', 'RootExports.getEvent(self, id, strict=True)', (_c, { a }) => {
    const ev = s.db.events.get(convertValue(a.id, 'int'));
    if (!ev) {
      if (pyTruthy(a.strict)) throw new GenericError('query returned no rows');
      return null;
    }
    return { id: ev.id, ts: ev.time };
  });
}
