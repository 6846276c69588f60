import { canonArch, multiFnmatch } from '@koji-farm/koji';
import { buildError } from '../../tasks/errors/task-failure.error';

/** The SRPM header's arch fields (empty lists when the spec has none). */
export interface ArchHeader {
  buildarchs: readonly string[];
  exclusivearch: readonly string[];
  excludearch: readonly string[];
}

/** A build tag's arches and extra, as `getBuildConfig` returns them. */
export interface ArchTag {
  id: number;
  name: string;
  arches?: string | null;
  extra?: Record<string, unknown> | null;
}

const words = (value: string | null | undefined): string[] => (value ?? '').split(/\s+/).filter(Boolean);

/**
 * kojid's `getArchList`: the arches to build, from the build tag's arches (plus the
 * package's extra arches), narrowed by the SRPM's BuildArch / ExclusiveArch / ExcludeArch,
 * noarch added when the spec asks for it, `arch_override` for scratch builds, and only
 * arches the tag can build.
 * @throws TaskFailureError (BuildError) when the tag has no arches or nothing is left
 */
export function buildArchList(
  tag: ArchTag,
  header: ArchHeader,
  options: { extraArches?: string | null; scratch?: boolean; archOverride?: string | null } = {},
): string[] {
  if (!tag.arches || words(tag.arches).length === 0)
    throw buildError(`No arches for tag ${tag.name} [${tag.id}]`);
  const tagArches = words(tag.arches).map(canonArch);
  let list = [...words(tag.arches), ...words(options.extraArches)];
  if (header.buildarchs.length > 0) list = [...header.buildarchs];
  if (header.exclusivearch.length > 0) list = list.filter((a) => header.exclusivearch.includes(a));
  if (header.excludearch.length > 0) list = list.filter((a) => !header.excludearch.includes(a));
  if (
    !header.excludearch.includes('noarch') &&
    (header.buildarchs.includes('noarch') || header.exclusivearch.includes('noarch'))
  )
    list.push('noarch');
  if (options.scratch && options.archOverride) list = words(options.archOverride);
  const arches = [...new Set(list.filter((a) => a === 'noarch' || tagArches.includes(canonArch(a))))];
  if (arches.length === 0) throw buildError('No matching arches were found');
  return arches;
}

/**
 * kojid's `choose_taskarch`: the arch of a subtask that builds `arch`. A real arch is
 * canonicalised; a noarch task stays noarch unless ExclusiveArch / ExcludeArch or the
 * tag's `noarch_arches` rule out some of the tag's arches, then it goes to one of the
 * arches left (picked at random, as kojid does).
 */
export function chooseTaskArch(
  arch: string,
  header: ArchHeader | null,
  tag: ArchTag,
  literalTaskArches = '',
  random: () => number = Math.random,
): string {
  if (literalTaskArches && multiFnmatch(arch, literalTaskArches)) return arch;
  if (arch !== 'noarch') return canonArch(arch);
  const exclusive = (header?.exclusivearch ?? []).map(canonArch);
  const exclude = (header?.excludearch ?? []).map(canonArch);
  const noarchArches = typeof tag.extra?.noarch_arches === 'string' ? tag.extra.noarch_arches : '';
  if (exclusive.length === 0 && exclude.length === 0 && !noarchArches) return 'noarch';
  const tagArches = words(tag.arches).map(canonArch);
  let list = noarchArches
    ? words(noarchArches)
        .map(canonArch)
        .filter((a) => tagArches.includes(a))
    : [...tagArches];
  if (exclusive.length > 0) list = list.filter((a) => exclusive.includes(a));
  if (exclude.length > 0) list = list.filter((a) => !exclude.includes(a));
  if (list.length === 0) {
    throw buildError(
      `No valid arches were found. tag [${tagArches.join(', ')}], extra ${noarchArches || 'None'}, ` +
        `exclusive [${exclusive.join(', ')}], exclude [${exclude.join(', ')}]`,
    );
  }
  const same = list.length === tagArches.length && list.every((a) => tagArches.includes(a));
  return same ? 'noarch' : list[Math.floor(random() * list.length)];
}
