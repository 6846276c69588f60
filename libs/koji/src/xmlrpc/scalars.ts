import type { KojiValue } from './koji-value';

const INTEGER = /^[+-]?\d+$/;
const DOUBLE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf|infinity|nan)$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[ \t\r\n]+/g;
const INTEGER_TAGS = new Set(['int', 'i4', 'i8', 'i1', 'i2', 'bigint']);
const DOUBLE_TAGS = new Set(['double', 'float']);

/** The value tags that hold text, as Python's xmlrpc (with Koji's `nil` and `i8`) reads them. */
export const SCALAR_TAGS: ReadonlySet<string> = new Set([
  'string',
  'nil',
  'boolean',
  'base64',
  'dateTime.iso8601',
  ...INTEGER_TAGS,
  ...DOUBLE_TAGS,
]);

/**
 * Decodes the text of a scalar element. Integers are numbers while safe and bigints
 * beyond; doubles accept Python's `inf`/`nan`; datetimes stay strings.
 * `fail` throws with the element's location.
 */
export function parseScalar(tag: string, text: string, fail: (what: string) => never): KojiValue {
  if (tag === 'string') return text;
  const trimmed = text.trim();
  const bad = (): never => fail(`bad <${tag}> ${JSON.stringify(trimmed.slice(0, 40))}`);
  if (tag === 'nil')
    return trimmed === ''
      ? null
      : fail(`unexpected text ${JSON.stringify(trimmed.slice(0, 40))} inside <nil>`);
  if (INTEGER_TAGS.has(tag)) {
    if (!INTEGER.test(trimmed)) return bad();
    const big = BigInt(trimmed);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(big)
      : big;
  }
  if (DOUBLE_TAGS.has(tag)) return DOUBLE.test(trimmed) ? parseDouble(trimmed) : bad();
  if (tag === 'boolean') return trimmed === '1' ? true : trimmed === '0' ? false : bad();
  if (tag === 'base64') {
    const compact = text.replace(WHITESPACE, '');
    if (!BASE64.test(compact) || compact.length % 4 !== 0) fail('bad <base64> data');
    return Buffer.from(compact, 'base64');
  }
  return trimmed; // dateTime.iso8601: Koji's datetimes travel as strings anyway
}

function parseDouble(text: string): number {
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(text);
}
