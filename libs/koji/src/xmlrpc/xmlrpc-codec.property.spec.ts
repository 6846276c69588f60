import fc from 'fast-check';
import { kojiValue, kwargsArb, xmlString } from '../../../../test/koji-client/support/koji-value-arbitraries';
import { decodeRequest, decodeResponse } from './decode';
import { encodeFault, encodeRequest, encodeResponse } from './encode';
import { XmlRpcDecodeError } from './xmlrpc-decode-error';

const methodName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.]{0,30}$/);

function expectOnlyDecodeErrors(decode: () => unknown): void {
  try {
    decode();
  } catch (err) {
    if (!(err instanceof XmlRpcDecodeError)) throw err;
    expect(err.message.length).toBeGreaterThan(0);
  }
}

/** Mutations a network or a broken server could inflict on a document. */
const mutatedDocument = fc
  .tuple(
    fc.oneof(
      fc.tuple(methodName, fc.array(kojiValue, { maxLength: 3 })).map(([m, p]) => encodeRequest(m, p)),
      kojiValue.map((v) => encodeResponse(v)),
      fc.tuple(fc.integer(), xmlString).map(([c, s]) => encodeFault(c, s)),
    ),
    fc.array(
      fc.tuple(
        fc.constantFrom('truncate', 'delete', 'insert', 'replace', 'duplicate'),
        fc.nat(),
        fc.nat({ max: 20 }),
        fc.string({ unit: 'binary', maxLength: 8 }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([doc, edits]) =>
    edits.reduce((text, [kind, at, len, insert]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      switch (kind) {
        case 'truncate':
          return text.slice(0, i);
        case 'delete':
          return text.slice(0, i) + text.slice(i + len);
        case 'insert':
          return text.slice(0, i) + insert + text.slice(i);
        case 'replace':
          return text.slice(0, i) + insert + text.slice(i + insert.length);
        default:
          return text.slice(0, i) + text.slice(i, i + len) + text.slice(i);
      }
    }, doc),
  );

describe('XML-RPC codec properties', () => {
  it('decodes every encoded response back to the same value', () => {
    fc.assert(
      fc.property(kojiValue, (value) => {
        expect(decodeResponse(encodeResponse(value))).toEqual({ ok: true, value });
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes every encoded request back to its method, params and kwargs', () => {
    fc.assert(
      fc.property(methodName, fc.array(kojiValue, { maxLength: 5 }), kwargsArb, (method, params, kwargs) => {
        expect(decodeRequest(encodeRequest(method, params, kwargs))).toEqual({ method, params, kwargs });
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes every encoded fault back to its code and text', () => {
    fc.assert(
      fc.property(fc.integer(), xmlString, (faultCode, faultString) => {
        expect(decodeResponse(encodeFault(faultCode, faultString))).toEqual({
          ok: false,
          faultCode,
          faultString,
        });
      }),
    );
  });

  it('throws nothing but XmlRpcDecodeError on 10,000 random byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expectOnlyDecodeErrors(() => decodeResponse(Buffer.from(bytes)));
        expectOnlyDecodeErrors(() => decodeRequest(Buffer.from(bytes)));
      }),
      { numRuns: 10_000 },
    );
  });

  it('throws nothing but XmlRpcDecodeError on 10,000 random XML-ish strings', () => {
    const xmlish = fc.string({
      unit: fc.oneof(
        fc.constantFrom(
          '<',
          '>',
          '/',
          '<value>',
          '</value>',
          '<int>',
          '<struct>',
          '<member>',
          '<name>',
          '&#',
          ';',
        ),
        fc.string({ unit: 'binary', maxLength: 1 }),
      ),
      maxLength: 60,
    });
    fc.assert(
      fc.property(xmlish, (text) => {
        expectOnlyDecodeErrors(() => decodeResponse(`<methodResponse><params><param>${text}`));
        expectOnlyDecodeErrors(() => decodeRequest(text));
      }),
      { numRuns: 10_000 },
    );
  });

  it('throws nothing but XmlRpcDecodeError on 10,000 mutated valid documents', () => {
    fc.assert(
      fc.property(mutatedDocument, (doc) => {
        expectOnlyDecodeErrors(() => decodeResponse(doc));
        expectOnlyDecodeErrors(() => decodeRequest(Buffer.from(doc)));
      }),
      { numRuns: 10_000 },
    );
  });
});
