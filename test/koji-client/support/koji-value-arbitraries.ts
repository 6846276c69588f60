import fc from 'fast-check';
import type { KojiStruct, KojiValue } from '@koji-farm/koji';

const codePoint = (min: number, max: number): fc.Arbitrary<string> =>
  fc.integer({ min, max }).map((c) => String.fromCodePoint(c));

/** One character XML 1.0 can carry, biased towards the ones that need escaping. */
export const xmlChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: codePoint(0x20, 0x7e) },
  { weight: 2, arbitrary: fc.constantFrom('<', '>', '&', '"', "'", '\t', '\n', '\r', ']]>', '&amp;', ' ') },
  { weight: 1, arbitrary: codePoint(0xa0, 0xd7ff) },
  { weight: 1, arbitrary: codePoint(0xe000, 0xfffd) },
  { weight: 1, arbitrary: codePoint(0x10000, 0x10ffff) },
);

export const xmlString: fc.Arbitrary<string> = fc.string({ unit: xmlChar, maxLength: 40 });

/** An integer as the codec decodes it: a number when safe, a bigint beyond. */
export const kojiInteger: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((b) =>
      b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b,
    ),
);

const leaf: fc.Arbitrary<KojiValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  kojiInteger,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  xmlString,
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
);

/**
 * Random Koji values in their decoded (normal) form, so decode(encode(v)) equals v.
 * Struct keys never include `__starstar`, Koji's keyword marker.
 */
export const kojiValue: fc.Arbitrary<KojiValue> = fc.letrec<{ value: KojiValue }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'koji-value' },
    leaf,
    fc.array(tie('value'), { maxLength: 5, depthIdentifier: 'koji-value' }),
    fc.dictionary(
      xmlString.filter((k) => k !== '__starstar'),
      tie('value'),
      { maxKeys: 5, noNullPrototype: true, depthIdentifier: 'koji-value' },
    ) as fc.Arbitrary<KojiStruct>,
  ),
})).value;

export const kwargsArb: fc.Arbitrary<Record<string, KojiValue>> = fc.dictionary(
  xmlString.filter((k) => k !== '__starstar'),
  kojiValue,
  { maxKeys: 4, noNullPrototype: true },
);
