import { encodeFault, encodeRequest, encodeResponse } from './encode';
import { sanitizeXmlText } from './xml-text';
import { XmlRpcEncodeError } from './xmlrpc-encode-error';
import type { KojiValue } from './koji-value';

function encodeError(run: () => unknown): XmlRpcEncodeError {
  try {
    run();
  } catch (err) {
    if (err instanceof XmlRpcEncodeError) return err;
    throw err;
  }
  throw new Error('expected an XmlRpcEncodeError');
}

describe('encodeRequest', () => {
  it('writes Koji types: nil, int, i8, double, boolean, base64, keyword struct', () => {
    const xml = encodeRequest(
      'host.updateHost',
      [null, 1, 2 ** 31, 2n ** 62n, 0.5, true, Buffer.from('hi')],
      {
        data: { maxjobs: 10 },
      },
    );
    expect(xml).toContain('<methodName>host.updateHost</methodName>');
    expect(xml).toContain('<value><nil/></value>');
    expect(xml).toContain('<value><int>1</int></value>');
    expect(xml).toContain('<value><i8>2147483648</i8></value>');
    expect(xml).toContain('<value><i8>4611686018427387904</i8></value>');
    expect(xml).toContain('<value><double>0.5</double></value>');
    expect(xml).toContain('<value><boolean>1</boolean></value>');
    expect(xml).toContain('<value><base64>aGk=</base64></value>');
    expect(xml).toMatch(
      /<member><name>__starstar<\/name><value><boolean>1<\/boolean><\/value><\/member><\/struct><\/value><\/param><\/params>/,
    );
  });

  it('omits the keyword struct when there are no keywords', () => {
    expect(encodeRequest('echo', ['OK'], {})).not.toContain('__starstar');
  });

  it('escapes markup and keeps carriage returns as character references', () => {
    const xml = encodeRequest('echo', ['a<b>&c]]>\r\n']);
    expect(xml).toContain('<string>a&lt;b&gt;&amp;c]]&gt;&#13;\n</string>');
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'undefined',
      () => encodeRequest('m', [undefined as unknown as KojiValue]),
      /params\[0\].*undefined is not an XML-RPC value/,
    ],
    [
      'a function',
      () => encodeRequest('m', [{ f: (() => 1) as unknown as KojiValue }]),
      /params\[0\]\.f.*function/,
    ],
    ['NaN', () => encodeRequest('m', [[1, NaN]]), /params\[0\]\[1\].*NaN is not representable/],
    ['Infinity', () => encodeResponse(Infinity), /result.*Infinity/],
    ['a bigint beyond int64', () => encodeResponse(2n ** 63n), /outside the 64-bit range/],
    ['a Date', () => encodeResponse(new Date() as unknown as KojiValue), /a Date is not an XML-RPC value/],
    ['a Map', () => encodeResponse(new Map() as unknown as KojiValue), /a Map is not/],
    ['a NUL character', () => encodeResponse('a\u0000b'), /U\+0000 at index 1 cannot be represented/],
    ['a lone surrogate', () => encodeResponse('\ud800'), /U\+D800/],
    ['a bad key', () => encodeResponse({ 'a\u0001': 1 }), /\(key\)/],
    ['a sparse array', () => encodeResponse(new Array<KojiValue>(2)), /sparse/],
    ['an empty method', () => encodeRequest('', []), /method name/],
    ['a reserved keyword', () => encodeRequest('m', [], { __starstar: true }), /reserved/],
    [
      'a positional starstar struct',
      () => encodeRequest('m', [{ __starstar: true, a: 1 }]),
      /read as keyword arguments/,
    ],
    ['a non-integer fault code', () => encodeFault(1.5, 'x'), /faultCode must be an integer/],
  ])('refuses %s with a clear error', (_what, run, message) => {
    const err = encodeError(run);
    expect(err.message).toMatch(message);
    expect(err.name).toBe('XmlRpcEncodeError');
  });

  it('refuses a cycle instead of recursing forever', () => {
    const cyclic: KojiValue[] = [];
    cyclic.push(cyclic);
    expect(encodeError(() => encodeResponse(cyclic)).message).toMatch(/result\[0\].*cycle/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(() => encodeResponse([shared, shared])).not.toThrow();
  });
});

describe('sanitizeXmlText', () => {
  it('replaces characters XML cannot carry and keeps the rest', () => {
    const sanitized = sanitizeXmlText('ok\u0000\u001b[31m\ud800 é 🐱');
    expect(sanitized).toBe('ok\ufffd\ufffd[31m\ufffd é 🐱');
    expect(() => encodeResponse(sanitized)).not.toThrow();
  });
});
