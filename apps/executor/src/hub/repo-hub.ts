import { type KojiValue } from '@koji-farm/koji';
import { HubCalls, kwargs } from './hub-calls';
import {
  eventReply,
  externalReposReply,
  inheritanceReply,
  repoInitReply,
  repoReply,
  type RepoInfo,
  type RepoRequestCheck,
  repoRequestReply,
} from './parent-schemas';

/** The calls of `newRepo`, `createrepo`, `waitrepo` and a build's wait for a repo (protocol §7). */
export class RepoHub extends HubCalls {
  /** `repo.request(tag, min_event=)`: a repo that is good enough now, or the request to wait on. */
  async request(tagId: number, minEvent: number | null): Promise<RepoRequestCheck> {
    return this.checkedCall(
      'repo.request',
      repoRequestReply,
      [tagId],
      kwargs({ min_event: minEvent ?? undefined }),
    );
  }

  async checkRequest(requestId: number): Promise<RepoRequestCheck> {
    return this.checkedCall('repo.checkRequest', repoRequestReply, [requestId]);
  }

  async tagLastChangeEvent(tagId: number): Promise<number> {
    const reply = await this.call('tagLastChangeEvent', [tagId]);
    return this.checked('tagLastChangeEvent', eventReply.shape.id, reply);
  }

  /** The newest READY repo of the tag (kojid's `getRepo(tag)`), or null. */
  async latestRepo(tag: KojiValue): Promise<RepoInfo | null> {
    const reply = await this.call('getRepo', [tag]);
    return reply === null ? null : this.checked('getRepo', repoReply, reply);
  }

  async repoInfo(repoId: number): Promise<RepoInfo> {
    return this.checkedCall('repoInfo', repoReply, [repoId], { strict: true });
  }

  /** `host.repoInit(tag, task_id=, event=, opts=)` → `[repo_id, event_id]`. */
  async repoInit(
    tagId: number,
    taskId: number,
    event: number | null,
    opts: KojiValue,
  ): Promise<[number, number]> {
    return this.checkedCall(
      'host.repoInit',
      repoInitReply,
      [tagId],
      kwargs({ task_id: taskId, event: event ?? undefined, opts }),
    );
  }

  async repoDone(repoId: number, data: Record<string, [string, string[]]>): Promise<void> {
    await this.call('host.repoDone', [repoId, data]);
  }

  async fullInheritance(tagId: number) {
    return this.checkedCall('getFullInheritance', inheritanceReply, [tagId]);
  }

  async externalRepos(tagId: number, event: number | null) {
    return this.checkedCall(
      'getExternalRepoList',
      externalReposReply,
      [tagId],
      kwargs({ event: event ?? undefined }),
    );
  }
}
