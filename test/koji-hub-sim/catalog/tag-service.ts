import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import type { TagRow, TargetRow } from '../db/rows';
import { GenericError, ParameterError } from '../errors/koji-errors';
import { convertValue, isInstance } from '../python/py-convert';
import { pyRepr, pyStr } from '../python/py-format';

/** Tags and targets: kojihub's get_tag, getBuildConfig, get_build_target and inheritance. */
export class TagService {
  constructor(private readonly db: HubDb) {}

  /** `name_or_id_clause` + lookup: int id, str name or a dict with one of them. */
  findTag(info: KojiValue): Readonly<TagRow> | undefined {
    const key = nameOrId(info);
    return typeof key === 'number' ? this.db.tags.get(key) : this.db.tags.find((t) => t.name === key);
  }

  tagRow(info: KojiValue): Readonly<TagRow> {
    const tag = this.findTag(info);
    if (!tag) throw new GenericError(`No such tagInfo: ${pyRepr(info)}`);
    return tag;
  }

  /** `get_tag`: the hub's tag map, or null (strict: an error). */
  getTag(info: KojiValue, strict = false): KojiStruct | null {
    const tag = this.findTag(info);
    if (!tag) {
      if (strict) throw new GenericError(`No such tagInfo: ${pyRepr(info)}`);
      return null;
    }
    return tagInfo(tag);
  }

  /** `readFullInheritance`: ancestors in inheritance order (depth first by priority). */
  fullInheritance(tagId: number): Array<{ parent_id: number; noconfig: boolean; depth: number }> {
    const out: Array<{ parent_id: number; noconfig: boolean; depth: number }> = [];
    const seen = new Set<number>([tagId]);
    const walk = (id: number, depth: number): void => {
      const links = [...(this.db.tags.get(id)?.inheritance ?? [])].sort((a, b) => a.priority - b.priority);
      for (const link of links) {
        if (seen.has(link.parent_id)) continue;
        if (link.maxdepth !== null && depth > link.maxdepth) continue;
        seen.add(link.parent_id);
        out.push({ parent_id: link.parent_id, noconfig: link.noconfig, depth });
        if (!link.intransitive) walk(link.parent_id, depth + 1);
      }
    };
    walk(tagId, 1);
    return out;
  }

  /** The tag and its ancestors, nearest first. */
  lineage(tagId: number): number[] {
    return [tagId, ...this.fullInheritance(tagId).map((l) => l.parent_id)];
  }

  /** `getBuildConfig`: the tag with `arches` and `extra` inherited. */
  buildConfig(info: KojiValue): KojiStruct {
    const tag = this.tagRow(info);
    const result = tagInfo(tag);
    const extra: Record<string, KojiValue> = { ...tag.extra };
    const inherited: KojiStruct = { extra: {}, arches: null };
    let arches = tag.arches;
    for (const link of this.fullInheritance(tag.id)) {
      if (link.noconfig) continue;
      const anc = this.db.tags.get(link.parent_id)!;
      if (arches === null && anc.arches !== null) {
        arches = anc.arches;
        inherited.arches = { id: anc.id, name: anc.name };
      }
      for (const [k, v] of Object.entries(anc.extra)) {
        if (!(k in extra)) {
          extra[k] = v;
          (inherited.extra as KojiStruct)[k] = { id: anc.id, name: anc.name };
        }
      }
    }
    return { ...result, arches, extra, config_inheritance: inherited };
  }

  /** Build groups (comps) of a tag with inheritance: group -> package names. */
  groups(tagId: number): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const id of this.lineage(tagId).reverse()) {
      for (const [name, pkgs] of Object.entries(this.db.tags.get(id)!.groups)) {
        out[name] = [...new Set([...(out[name] ?? []), ...pkgs])];
      }
    }
    return out;
  }

  findTarget(info: KojiValue): Readonly<TargetRow> | undefined {
    const key = nameOrId(info);
    return typeof key === 'number' ? this.db.targets.get(key) : this.db.targets.find((t) => t.name === key);
  }

  /** `get_build_target`. */
  getBuildTarget(info: KojiValue, strict = false): KojiStruct | null {
    const target = this.findTarget(info);
    if (!target) {
      if (strict) throw new GenericError(`No such build target: ${pyStr(info)}`);
      return null;
    }
    return {
      id: target.id,
      name: target.name,
      build_tag: target.build_tag,
      build_tag_name: this.db.tags.get(target.build_tag)?.name ?? null,
      dest_tag: target.dest_tag,
      dest_tag_name: this.db.tags.get(target.dest_tag)?.name ?? null,
    };
  }
}

export function tagInfo(tag: Readonly<TagRow>): KojiStruct {
  return {
    id: tag.id,
    name: tag.name,
    perm_id: tag.perm_id,
    perm: null,
    arches: tag.arches,
    locked: tag.locked,
    maven_support: tag.maven_support,
    maven_include_all: tag.maven_include_all,
    extra: { ...tag.extra },
  };
}

/** kojihub's `name_or_id_clause`: which of id or name a lookup value means. */
export function nameOrId(info: KojiValue): number | string {
  let value = info;
  if (isInstance(info, 'dict')) {
    const d = info as KojiStruct;
    if ('id' in d)
      value = convertValue(d.id, 'int', { message: `Invalid name or id value: ${pyRepr(info)}` });
    else if ('name' in d) value = d.name;
    else throw new ParameterError(`Invalid name or id value: ${pyRepr(info)}`);
  }
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') return value;
  throw new ParameterError(`Invalid name or id value: ${pyStr(info)}`);
}
