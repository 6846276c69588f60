import { z } from 'zod';
import { UnsafeBuildrootValueError } from './errors/unsafe-buildroot-value.error';
import { type ImageSource } from './buildroot-plan';
import { imageRef } from './safe-values';

/** The tag `extra` key that names a buildroot image (or holds a rule set) on the hub. */
export const IMAGE_EXTRA_KEY = 'koji-farm.image';

/**
 * How the executor picks a buildroot image, after the prior project (koji-adjutant):
 * the tag's hub policy first (`extra['koji-farm.image']`, inherited like any extra),
 * then the executor's per-tag map, then its default (`TASK_IMAGE_DEFAULT`).
 */
export interface ImagePolicy {
  defaultImage: string;
  /** Build tag name → image (`TASK_IMAGE_BY_TAG`). */
  byTag?: Readonly<Record<string, string>>;
  /** Read the tag's extra key at all (`TASK_IMAGE_HUB_POLICY`, default true). */
  hubPolicy?: boolean;
  /** Default `koji-farm.image`. */
  extraKey?: string;
}

export interface ImageChoice {
  image: string;
  source: ImageSource;
}

export interface ImageQuery {
  tagName: string;
  arch: string;
  method: string;
  extra: Readonly<Record<string, unknown>>;
}

const rule = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tag_arch'), tag: z.string(), arch: z.string(), image: z.string() }),
  z.object({ type: z.literal('tag'), tag: z.string(), image: z.string() }),
  z.object({ type: z.literal('task_type'), task_type: z.string(), image: z.string() }),
  z.object({ type: z.literal('default'), image: z.string() }),
]);
const rulePolicy = z.object({ version: z.string().optional(), rules: z.array(rule) });
type Rule = z.infer<typeof rule>;

/**
 * The image for a buildroot. The extra key holds either an image reference, or the
 * prior project's rule set `{rules: [{type: tag_arch|tag|task_type|default, ...}]}`
 * (as an object or a JSON string), matched most specific first: tag+arch, tag, task
 * type, default. A rule set with no match falls through to the per-tag map and default.
 * @throws UnsafeBuildrootValueError for a malformed policy or image reference.
 */
export function chooseImage(policy: ImagePolicy, query: ImageQuery): ImageChoice {
  const key = policy.extraKey ?? IMAGE_EXTRA_KEY;
  const field = `extra["${key}"]`;
  if (policy.hubPolicy ?? true) {
    const fromHub = imageFromExtra(field, query.extra[key], query);
    if (fromHub !== undefined) return { image: imageRef(field, fromHub), source: 'tag-extra' };
  }
  const mapped = policy.byTag?.[query.tagName];
  if (mapped !== undefined)
    return { image: imageRef(`image map entry for ${query.tagName}`, mapped), source: 'tag-map' };
  return { image: imageRef('default image', policy.defaultImage), source: 'default' };
}

function imageFromExtra(field: string, value: unknown, query: ImageQuery): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let data: unknown = value;
  if (typeof value === 'string') {
    if (!value.trimStart().startsWith('{')) return value;
    try {
      data = JSON.parse(value);
    } catch {
      throw new UnsafeBuildrootValueError(field, 'is neither an image reference nor valid JSON');
    }
  }
  const parsed = rulePolicy.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UnsafeBuildrootValueError(
      field,
      `bad image rule set at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return matchRules(parsed.data.rules, query);
}

function matchRules(rules: readonly Rule[], query: ImageQuery): string | undefined {
  const find = <T extends Rule['type']>(type: T, test: (r: Extract<Rule, { type: T }>) => boolean) =>
    rules.find(
      (r): r is Extract<Rule, { type: T }> => r.type === type && test(r as Extract<Rule, { type: T }>),
    )?.image;
  return (
    find('tag_arch', (r) => r.tag === query.tagName && r.arch === query.arch) ??
    find('tag', (r) => r.tag === query.tagName) ??
    find('task_type', (r) => r.task_type === query.method) ??
    find('default', () => true)
  );
}
