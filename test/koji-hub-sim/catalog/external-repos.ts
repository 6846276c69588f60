import type { KojiStruct } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import { GenericError } from '../errors/koji-errors';

interface ExternalRepo {
  id: number;
  name: string;
  url: string;
}

interface TagLink {
  tag_id: number;
  external_repo_id: number;
  priority: number;
  merge_mode: string;
  arches: string | null;
}

const MERGE_MODES = ['koji', 'simple', 'bare'];

/**
 * External repos and their tag links (`create_external_repo`, `add_external_repo_to_tag`,
 * `get_external_repo_list`). Setup data only: kept outside the undo-logged tables, and
 * without event history (`event=` is accepted, not honoured, as elsewhere in the sim).
 */
export class ExternalRepoService {
  private readonly repos: ExternalRepo[] = [];
  private readonly links: TagLink[] = [];

  constructor(private readonly db: HubDb) {}

  create(name: string, url: string): KojiStruct {
    if (this.repos.some((r) => r.name === name))
      throw new GenericError(`An external repo named "${name}" already exists`);
    const repo = { id: this.repos.length + 1, name, url: url.endsWith('/') ? url : `${url}/` };
    this.repos.push(repo);
    return { ...repo };
  }

  addToTag(
    tagId: number,
    repoInfo: string | number,
    priority: number,
    mergeMode: string,
    arches: string | null,
  ) {
    if (!MERGE_MODES.includes(mergeMode)) throw new GenericError(`No such merge mode: ${mergeMode}`);
    const repo = this.repos.find((r) => r.id === repoInfo || r.name === repoInfo);
    if (!repo) throw new GenericError(`No such repo: ${String(repoInfo)}`);
    const tagName = this.db.tags.get(tagId)!.name;
    const own = this.links.filter((l) => l.tag_id === tagId);
    if (own.some((l) => l.external_repo_id === repo.id))
      throw new GenericError(`tag ${tagName} already associated with external repo ${repo.name}`);
    if (own.some((l) => l.priority === priority))
      throw new GenericError(
        `tag ${tagName} already associated with an external repo at priority ${priority}`,
      );
    this.links.push({ tag_id: tagId, external_repo_id: repo.id, priority, merge_mode: mergeMode, arches });
  }

  /** The repos of the tags in order (the tag, then its ancestors), each by priority, without duplicates. */
  forTags(tagIds: readonly number[]): KojiStruct[] {
    const seen = new Set<number>();
    const out: KojiStruct[] = [];
    for (const tagId of tagIds) {
      const links = this.links.filter((l) => l.tag_id === tagId).sort((a, b) => a.priority - b.priority);
      for (const link of links) {
        if (seen.has(link.external_repo_id)) continue;
        seen.add(link.external_repo_id);
        const repo = this.repos.find((r) => r.id === link.external_repo_id)!;
        out.push({
          external_repo_id: repo.id,
          external_repo_name: repo.name,
          priority: link.priority,
          tag_id: tagId,
          tag_name: this.db.tags.get(tagId)!.name,
          url: repo.url,
          merge_mode: link.merge_mode,
          arches: link.arches,
        });
      }
    }
    return out;
  }
}
